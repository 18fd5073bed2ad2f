package dev.sluice.usage.store;

import dev.sluice.usage.aggregate.UsageFolder;
import java.util.List;

/** The usage table, written by the aggregator and read by finance (gatewayctl usage). */
public interface UsageStore {

    /**
     * Adds a slice to its row exactly once: events at or before the row's checkpoint for the slice's shard were
     * already counted (a redelivered or retried batch) and are skipped, and so are events whose request was counted
     * from another record (the same request id published twice: replayed from the outbox after Kinesis had taken it
     * after all, or replayed twice).
     */
    void apply(UsageFolder.Slice slice);

    /** A tenant's rows whose period starts with {@code periodPrefix} (e.g. {@code day#2026-11}). */
    List<UsageRow> query(String tenantId, String periodPrefix);
}
