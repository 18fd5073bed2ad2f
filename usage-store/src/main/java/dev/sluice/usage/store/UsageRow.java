package dev.sluice.usage.store;

import dev.sluice.usage.aggregate.UsageTotals;

/** One row of the usage table as finance reads it. */
public record UsageRow(String tenantId, String day, String alias, String keyId, UsageTotals totals) {}
