package dev.sluice.usage.aggregate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds a batch of events into one slice per usage row and shard, so the store writes once per slice instead of
 * once per event. Within a slice, events are in stream order, which is what makes checkpoints work.
 */
public final class UsageFolder {
    private UsageFolder() {}

    /** One row's events from one shard, in ascending sequence order. */
    public record Slice(AggregateKey key, String shardId, List<SequencedEvent> events) {
        public UsageTotals totals() {
            return totalsAfter(null);
        }

        /** The totals of the events after {@code checkpoint} (all of them when it is null). */
        public UsageTotals totalsAfter(String checkpoint) {
            UsageTotals totals = UsageTotals.ZERO;
            for (SequencedEvent event : events) {
                if (checkpoint == null || event.sequence().compareTo(checkpoint) > 0) {
                    totals = totals.plus(UsageTotals.of(event.event()));
                }
            }
            return totals;
        }

        /**
         * One event per request id, the one with the lowest sequence: the copy this slice would count if no other copy
         * was counted before (a replayed event, or one published again after a timeout, is the same request twice).
         */
        public List<SequencedEvent> firstCopies() {
            Map<String, SequencedEvent> first = new LinkedHashMap<>();
            for (SequencedEvent event : events) {
                first.putIfAbsent(event.event().requestId(), event);
            }
            return List.copyOf(first.values());
        }

        /**
         * This slice with only its first copies, less those whose request id is in {@code countedElsewhere} (another
         * copy of the request holds the claim): what to add to the row; null when nothing is left.
         */
        public Slice firstCopiesExcept(Set<String> countedElsewhere) {
            List<SequencedEvent> kept = new ArrayList<>();
            for (SequencedEvent event : firstCopies()) {
                if (!countedElsewhere.contains(event.event().requestId())) {
                    kept.add(event);
                }
            }
            return kept.isEmpty() ? null : new Slice(key, shardId, List.copyOf(kept));
        }

        public String firstSequence() {
            return events.getFirst().sequence();
        }

        public String lastSequence() {
            return events.getLast().sequence();
        }
    }

    private record SliceId(AggregateKey key, String shardId) {}

    public static List<Slice> fold(List<SequencedEvent> batch) {
        Map<SliceId, List<SequencedEvent>> slices = new LinkedHashMap<>();
        for (SequencedEvent event : batch) {
            slices.computeIfAbsent(
                            new SliceId(AggregateKey.of(event.event()), event.shardId()), id -> new ArrayList<>())
                    .add(event);
        }
        List<Slice> result = new ArrayList<>(slices.size());
        slices.forEach((id, events) -> {
            events.sort(Comparator.comparing(SequencedEvent::sequence));
            result.add(new Slice(id.key(), id.shardId(), List.copyOf(events)));
        });
        return result;
    }
}
