package dev.sluice.usage.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.InMemoryUsageStore;
import dev.sluice.usage.store.UsageRow;
import dev.sluice.usage.store.UsageStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageAggregatorTest {
    private static final String SHARD = "shardId-000000000000";
    private final InMemoryUsageStore store = new InMemoryUsageStore();

    private static SequencedEvent event(int sequence, String tenant) {
        return SequencedEvent.of(
                SHARD,
                Integer.toString(sequence),
                new UsageEvent(
                        UsageEvent.SCHEMA_VERSION,
                        "req_" + sequence,
                        1_795_428_000_000L,
                        tenant,
                        "key_1",
                        "demo",
                        "demo",
                        "demo-1",
                        10,
                        2,
                        0,
                        0,
                        5,
                        40,
                        4,
                        UsageEvent.OK,
                        200,
                        true,
                        false,
                        false));
    }

    /** A request answered from the response cache: billed 0 tokens and 0 cost, saving 30 tokens and 90 micro-USD. */
    private static SequencedEvent hit(int sequence, String tenant) {
        return SequencedEvent.of(
                SHARD,
                Integer.toString(sequence),
                new UsageEvent(
                        UsageEvent.SCHEMA_VERSION,
                        "req_" + sequence,
                        1_795_428_000_000L,
                        tenant,
                        "key_1",
                        "demo",
                        "demo",
                        "demo-1",
                        0,
                        0,
                        0,
                        0,
                        0,
                        3,
                        1,
                        UsageEvent.OK,
                        200,
                        true,
                        false,
                        true,
                        "app",
                        null,
                        0,
                        30,
                        90));
    }

    private UsageTotals stored(String tenant) {
        return store.query(tenant, "day#").stream().map(UsageRow::totals).reduce(UsageTotals.ZERO, UsageTotals::plus);
    }

    @Test
    void apply_writesOneSlicePerRowAndShard_andReportsNothingWhenAllWrites() {
        List<SequencedEvent> batch = List.of(event(1, "a"), event(2, "b"), event(3, "a"));

        assertThat(new UsageAggregator(store).apply(batch)).isEmpty();

        assertThat(stored("a").requests()).isEqualTo(2);
        assertThat(stored("b").requests()).isEqualTo(1);
    }

    @Test
    void apply_failedSlice_returnsItsEventsLowestSequenceFirst_andWritesTheOthers() {
        List<String> written = new ArrayList<>();
        UsageStore failingForB = new UsageStore() {
            @Override
            public void apply(UsageFolder.Slice slice) {
                if (slice.key().tenantId().equals("b")) {
                    throw new IllegalStateException("injected: throttled");
                }
                written.add(slice.key().tenantId());
                store.apply(slice);
            }

            @Override
            public List<UsageRow> query(String tenantId, String periodPrefix) {
                return store.query(tenantId, periodPrefix);
            }
        };

        List<SequencedEvent> failed =
                new UsageAggregator(failingForB).apply(List.of(event(12, "b"), event(3, "a"), event(9, "b")));

        assertThat(failed).extracting(e -> e.event().requestId()).containsExactly("req_9", "req_12");
        assertThat(written).containsExactly("a");
    }

    @Test
    void apply_sameBatchTwice_countsEachEventOnce() {
        List<SequencedEvent> batch = List.of(event(1, "a"), event(2, "a"));
        UsageAggregator aggregator = new UsageAggregator(store);

        aggregator.apply(batch);
        aggregator.apply(batch);

        assertThat(stored("a").requests()).isEqualTo(2);
    }

    @Test
    void of_cacheHit_isARequestWithNoTokensOrCost_andItsSavings() {
        assertThat(UsageTotals.of(hit(1, "a").event())).isEqualTo(new UsageTotals(1, 0, 0, 0, 0, 0, 0, 1, 30, 90));
    }

    @Test
    void of_miss_savesNothing() {
        UsageTotals miss = UsageTotals.of(event(1, "a").event());

        assertThat(miss).isEqualTo(new UsageTotals(1, 0, 10, 2, 0, 0, 5));
        assertThat(miss.cacheHits()).isZero();
        assertThat(miss.cacheSavedTokens()).isZero();
        assertThat(miss.cacheSavedMicros()).isZero();
    }

    @Test
    void apply_hitsAndMisses_foldRequestsTokensCostAndSavings() {
        List<SequencedEvent> batch = List.of(event(1, "a"), hit(2, "a"), hit(3, "a"), event(4, "a"));

        assertThat(new UsageAggregator(store).apply(batch)).isEmpty();

        assertThat(stored("a")).isEqualTo(new UsageTotals(4, 0, 20, 4, 0, 0, 10, 2, 60, 180));
    }

    @Test
    void apply_sameHitsTwice_countsEachHitAndItsSavingsOnce() {
        List<SequencedEvent> batch = List.of(hit(1, "a"), event(2, "a"), hit(3, "a"));
        UsageAggregator aggregator = new UsageAggregator(store);

        aggregator.apply(batch);
        aggregator.apply(batch);
        aggregator.apply(List.of(hit(3, "a"), hit(4, "a")));

        assertThat(stored("a")).isEqualTo(new UsageTotals(4, 0, 10, 2, 0, 0, 5, 3, 90, 270));
    }

    @Test
    void apply_sameRequestOnALaterRecord_countsItOnce_alsoWhenBothAreRedelivered() {
        SequencedEvent original = event(1, "a");
        SequencedEvent replayed = SequencedEvent.of(SHARD, "7", original.event()); // from the outbox, later
        UsageAggregator aggregator = new UsageAggregator(store);

        aggregator.apply(List.of(original, event(2, "a")));
        aggregator.apply(List.of(replayed, event(8, "a")));
        aggregator.apply(List.of(original, event(2, "a"), replayed, event(8, "a")));

        assertThat(stored("a").requests()).isEqualTo(3);
        assertThat(stored("a").promptTokens()).isEqualTo(30);
    }

    @Test
    void apply_sameRequestTwiceInOneBatch_countsTheFirstRecord() {
        SequencedEvent original = event(4, "a");
        List<SequencedEvent> batch = List.of(original, SequencedEvent.of(SHARD, "5", original.event()), event(6, "a"));

        new UsageAggregator(store).apply(batch);
        new UsageAggregator(store).apply(batch);

        assertThat(stored("a").requests()).isEqualTo(2);
    }

    @Test
    void apply_sameRequestIdOfTwoTenants_countsBoth() {
        new UsageAggregator(store)
                .apply(List.of(
                        event(1, "a"),
                        SequencedEvent.of(SHARD, "2", event(1, "b").event())));

        assertThat(stored("a").requests()).isEqualTo(1);
        assertThat(stored("b").requests()).isEqualTo(1);
    }
}
