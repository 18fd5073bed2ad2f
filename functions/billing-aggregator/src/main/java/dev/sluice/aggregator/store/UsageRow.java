package dev.sluice.aggregator.store;

import dev.sluice.aggregator.aggregate.UsageTotals;

/** One row of the usage table as finance reads it. */
public record UsageRow(String tenantId, String day, String alias, String keyId, UsageTotals totals) {
}
