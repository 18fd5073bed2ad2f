package dev.sluice.usage.aggregate;

import dev.sluice.usage.store.UsageStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds a batch of usage events into the usage table: one slice per row and shard, one store write per slice. A
 * slice whose write fails leaves its events to be delivered again; the rows' checkpoints make a redelivered event
 * count once. The Lambda handler and the dev stack's in-process stream both deliver through this class.
 */
public final class UsageAggregator {
    private static final Logger LOG = LoggerFactory.getLogger(UsageAggregator.class);

    private final UsageStore store;

    public UsageAggregator(UsageStore store) {
        this.store = store;
    }

    /**
     * Applies every slice of {@code batch}; returns the events of the slices that could not be written, lowest
     * sequence first (a stream retries a shard from its lowest failed sequence), or an empty list.
     */
    public List<SequencedEvent> apply(List<SequencedEvent> batch) {
        List<SequencedEvent> failed = new ArrayList<>();
        for (UsageFolder.Slice slice : UsageFolder.fold(batch)) {
            try {
                store.apply(slice);
            } catch (RuntimeException e) {
                LOG.warn(
                        "usage row {} of tenant {} not written; its events will be retried",
                        slice.key().period(),
                        slice.key().tenantId(),
                        e);
                failed.addAll(slice.events());
            }
        }
        failed.sort(Comparator.comparing(SequencedEvent::sequence));
        return failed;
    }
}
