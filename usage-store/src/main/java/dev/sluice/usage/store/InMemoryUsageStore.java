package dev.sluice.usage.store;

import dev.sluice.usage.aggregate.AggregateKey;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageFolder;
import dev.sluice.usage.aggregate.UsageTotals;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The usage table in memory with the same checkpoint and claim rules as DynamoDB: the fake for unit tests (and the
 * dev stack).
 */
public final class InMemoryUsageStore implements UsageStore {
    private final Map<AggregateKey, UsageTotals> rows = new HashMap<>();
    private final Map<String, String> checkpoints = new HashMap<>();
    /** tenant|requestId to the record (shard#sequence) that counts it. */
    private final Map<String, String> claims = new HashMap<>();

    @Override
    public synchronized void apply(UsageFolder.Slice claimed) {
        Set<String> countedElsewhere = new HashSet<>();
        for (SequencedEvent event : claimed.firstCopies()) {
            String owner = event.recordId();
            String holder = claims.computeIfAbsent(
                    event.event().tenantId() + "|" + event.event().requestId(), id -> owner);
            if (!holder.equals(owner)) {
                countedElsewhere.add(event.event().requestId());
            }
        }
        UsageFolder.Slice slice = claimed.firstCopiesExcept(countedElsewhere);
        if (slice == null) {
            return;
        }
        String checkpointId = slice.key().period() + "|" + slice.key().tenantId() + "|" + slice.shardId();
        String checkpoint = checkpoints.get(checkpointId);
        UsageTotals totals = slice.totalsAfter(checkpoint);
        rows.merge(slice.key(), totals, UsageTotals::plus);
        if (checkpoint == null || slice.lastSequence().compareTo(checkpoint) > 0) {
            checkpoints.put(checkpointId, slice.lastSequence());
        }
    }

    @Override
    public synchronized List<UsageRow> query(String tenantId, String periodPrefix) {
        return rows.entrySet().stream()
                .filter(e -> e.getKey().tenantId().equals(tenantId)
                        && e.getKey().period().startsWith(periodPrefix))
                .map(e -> new UsageRow(
                        tenantId,
                        e.getKey().day(),
                        e.getKey().alias(),
                        e.getKey().keyId(),
                        e.getValue()))
                .toList();
    }
}
