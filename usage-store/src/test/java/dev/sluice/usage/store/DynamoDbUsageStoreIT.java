package dev.sluice.usage.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.usage.aggregate.AggregateKey;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.aggregate.UsageFolder;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.event.UsageEvent;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Exactly-once totals in DynamoDB Local under redelivery, retries from the middle and injected write failures. */
class DynamoDbUsageStoreIT {
    private static final String SHARD = "shardId-000000000000";
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private String table;
    private DynamoDbUsageStore store;

    @BeforeEach
    void createTable() {
        table = LocalDynamoDb.uniqueName("usage");
        UsageTable.create(dynamo, table);
        store = new DynamoDbUsageStore(dynamo, table);
    }

    private static UsageEvent usage(int i, String tenant) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_" + i,
                1_795_428_000_000L + i,
                tenant,
                "key_1",
                "demo",
                "demo",
                "demo-1",
                100 + i,
                10 + i,
                i % 3,
                0,
                7 + i,
                50,
                5,
                i % 5 == 0 ? "upstream_error" : "ok",
                200,
                true,
                false,
                false);
    }

    /** A response-cache hit: no tokens and no cost billed, {@code i} tokens and {@code 3 * i} micro-USD saved. */
    private static UsageEvent hit(int i, String tenant) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_" + i,
                1_795_428_000_000L + i,
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
                2,
                1,
                "ok",
                200,
                true,
                false,
                true,
                "app",
                null,
                0,
                i,
                3L * i);
    }

    /** One shard's events with increasing, gapped sequence numbers of Kinesis's width. */
    private static List<SequencedEvent> onShard(List<UsageEvent> events) {
        List<SequencedEvent> records = new ArrayList<>();
        BigInteger sequence = new BigInteger("49590338271490256608559692538361571095921575989136588800");
        for (UsageEvent event : events) {
            records.add(SequencedEvent.of(SHARD, sequence.toString(), event));
            sequence =
                    sequence.add(BigInteger.valueOf(ThreadLocalRandom.current().nextInt(1, 1000)));
        }
        return records;
    }

    private static UsageTotals expected(List<UsageEvent> events, String tenant) {
        return events.stream()
                .filter(e -> e.tenantId().equals(tenant))
                .map(UsageTotals::of)
                .reduce(UsageTotals.ZERO, UsageTotals::plus);
    }

    private UsageTotals stored(String tenant) {
        return store.query(tenant, "day#").stream().map(UsageRow::totals).reduce(UsageTotals.ZERO, UsageTotals::plus);
    }

    @Test
    void sameSliceTwice_isCountedOnce_withOneWritePerSliceTheFirstTime() {
        List<UsageEvent> events = List.of(usage(1, "t"), usage(2, "t"), usage(3, "t"));
        List<SequencedEvent> batch = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            batch.add(SequencedEvent.of(SHARD, Integer.toString(10 + i), events.get(i)));
        }
        List<UsageFolder.Slice> slices = UsageFolder.fold(batch);
        assertThat(slices).hasSize(1);

        store.apply(slices.getFirst());
        store.apply(slices.getFirst());

        assertThat(stored("t")).isEqualTo(expected(events, "t"));
    }

    @Test
    void injectedWriteFailures_thenLambdaStyleRetries_giveExactTotals() {
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            events.add(usage(i, "tenant-" + (i % 4)));
        }
        List<SequencedEvent> shard = onShard(events);
        FailingUsageStore flaky = new FailingUsageStore(store, Set.of("tenant-1", "tenant-3"));
        UsageAggregator aggregator = new UsageAggregator(flaky);

        int from = 0;
        int deliveries = 0;
        while (from < shard.size()) {
            List<SequencedEvent> batch = shard.subList(from, Math.min(shard.size(), from + 25));
            List<SequencedEvent> failed = aggregator.apply(batch);
            deliveries++;
            if (failed.isEmpty()) {
                from += batch.size();
            } else {
                from = shard.indexOf(failed.getFirst()); // a stream resumes the shard at the lowest failed sequence
            }
            // A whole-batch redelivery too, as after a timeout: must change nothing.
            aggregator.apply(shard.subList(0, Math.min(shard.size(), from)));
            assertThat(deliveries).isLessThan(50);
        }

        assertThat(flaky.failuresInjected()).isGreaterThan(0);
        for (int t = 0; t < 4; t++) {
            assertThat(stored("tenant-" + t)).as("tenant-" + t).isEqualTo(expected(events, "tenant-" + t));
        }
    }

    @Test
    void cacheHits_roundTrip_exactlyOnce_besideMisses() {
        List<UsageEvent> events = List.of(usage(1, "t"), hit(2, "t"), hit(3, "t"), usage(4, "t"), hit(6, "t"));
        List<SequencedEvent> shard = onShard(events);
        UsageAggregator aggregator = new UsageAggregator(store);

        aggregator.apply(shard.subList(0, 3));
        aggregator.apply(shard); // redelivered from the start, as after a timeout
        aggregator.apply(shard.subList(2, 5));

        UsageTotals totals = stored("t");
        assertThat(totals).isEqualTo(expected(events, "t"));
        assertThat(totals.requests()).isEqualTo(5);
        assertThat(totals.cacheHits()).isEqualTo(3);
        assertThat(totals.cacheSavedTokens()).isEqualTo(2 + 3 + 6);
        assertThat(totals.cacheSavedMicros()).isEqualTo(3 * (2 + 3 + 6));
        assertThat(totals.promptTokens()).isEqualTo(101 + 104);
        assertThat(totals.costMicros()).isEqualTo(8 + 11);
    }

    @Test
    void rowWrittenBeforeCacheCounters_readsThemAsZero_andKeepsCountingFromThere() {
        // A row as the aggregator wrote it before the cache counters existed: the seven old counters only.
        Map<String, AttributeValue> legacy = new HashMap<>();
        legacy.put(UsageTable.TENANT, AttributeValue.fromS("t"));
        legacy.put(UsageTable.PERIOD, AttributeValue.fromS("day#2026-11-23#model#demo#key#key_1"));
        legacy.put("day", AttributeValue.fromS("2026-11-23"));
        legacy.put("alias", AttributeValue.fromS("demo"));
        legacy.put("keyId", AttributeValue.fromS("key_1"));
        legacy.put(
                "cp_" + SHARD,
                AttributeValue.fromS(
                        SequencedEvent.of(SHARD, "5", usage(1, "t")).sequence()));
        String[] counters = {
            "requests",
            "errors",
            "promptTokens",
            "completionTokens",
            "cachedPromptTokens",
            "reasoningTokens",
            "costMicros"
        };
        for (int i = 0; i < counters.length; i++) {
            legacy.put(counters[i], AttributeValue.fromN(Integer.toString(i + 1)));
        }
        dynamo.putItem(r -> r.tableName(table).item(legacy));

        assertThat(store.query("t", "day#2026-11"))
                .extracting(UsageRow::totals)
                .containsExactly(new UsageTotals(1, 2, 3, 4, 5, 6, 7, 0, 0, 0));

        UsageEvent hit = hit(9, "t");
        assertThat(AggregateKey.of(hit).period()).isEqualTo("day#2026-11-23#model#demo#key#key_1");
        new UsageAggregator(store).apply(List.of(SequencedEvent.of(SHARD, "6", hit)));

        assertThat(store.query("t", "day#2026-11"))
                .extracting(UsageRow::totals)
                .containsExactly(new UsageTotals(2, 2, 3, 4, 5, 6, 7, 1, 9, 27));
    }

    @Test
    void requestsOnTwoRecords_countOnce_acrossTransactionsOfAHundred_andUnderRedelivery() {
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < 230; i++) {
            events.add(usage(i, "tenant-" + (i % 2)));
        }
        // Every third request reaches the stream again later (replayed from the outbox), some within the same batch.
        List<UsageEvent> published = new ArrayList<>(events);
        for (int i = 0; i < events.size(); i += 3) {
            published.add(Math.min(published.size(), i + 150), events.get(i));
        }
        List<SequencedEvent> shard = onShard(published);
        UsageAggregator aggregator = new UsageAggregator(store);

        for (int from = 0; from < shard.size(); from += 120) {
            assertThat(aggregator.apply(shard.subList(from, Math.min(shard.size(), from + 120))))
                    .isEmpty();
        }
        assertThat(aggregator.apply(shard)).isEmpty(); // everything delivered again

        for (String tenant : List.of("tenant-0", "tenant-1")) {
            assertThat(stored(tenant)).as(tenant).isEqualTo(expected(events, tenant));
            assertThat(store.query(tenant, "day#"))
                    .as("one row; claims are no rows")
                    .hasSize(1);
        }
    }

    @Test
    void claimHeldByTheSameRecord_fromAnAttemptWhoseRowWriteFailed_isCountedOnRedelivery() {
        SequencedEvent record = onShard(List.of(usage(1, "t"))).getFirst();
        putClaim("req_1", record.recordId()); // its claim went through and its row update did not
        SequencedEvent otherRecord = SequencedEvent.of(SHARD, "7", usage(2, "t"));
        putClaim("req_2", SHARD + "#elsewhere");

        new UsageAggregator(store).apply(List.of(record, otherRecord));

        assertThat(stored("t")).isEqualTo(expected(List.of(usage(1, "t")), "t"));
    }

    private void putClaim(String requestId, String recordId) {
        dynamo.putItem(r -> r.tableName(table)
                .item(Map.of(
                        UsageTable.TENANT,
                        AttributeValue.fromS("t"),
                        UsageTable.PERIOD,
                        AttributeValue.fromS(DynamoDbUsageStore.CLAIM_PREFIX + requestId),
                        "claimedBy",
                        AttributeValue.fromS(recordId))));
    }

    /** Fault injection over the real store: the first write of each listed tenant's rows fails. */
    private static final class FailingUsageStore implements UsageStore {
        private final UsageStore delegate;
        private final Set<String> failOnce;
        private final Set<String> failed = new HashSet<>();
        private int injected;

        FailingUsageStore(UsageStore delegate, Set<String> tenants) {
            this.delegate = delegate;
            this.failOnce = tenants;
        }

        @Override
        public void apply(UsageFolder.Slice slice) {
            if (failOnce.contains(slice.key().tenantId())
                    && failed.add(slice.key().tenantId())) {
                injected++;
                throw new IllegalStateException("injected: DynamoDB throttled the write");
            }
            delegate.apply(slice);
        }

        @Override
        public List<UsageRow> query(String tenantId, String periodPrefix) {
            return delegate.query(tenantId, periodPrefix);
        }

        int failuresInjected() {
            return injected;
        }
    }

    /** A request of {@code tenant} at noon UTC on {@code day}, costing {@code costMicros}. */
    private static UsageEvent onDay(String day, String tenant, long costMicros) {
        long noon = LocalDate.parse(day).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_" + day + tenant,
                noon,
                tenant,
                "key_1",
                "demo",
                "demo",
                "demo-1",
                10,
                5,
                0,
                0,
                costMicros,
                50,
                5,
                "ok",
                200,
                true,
                false,
                false);
    }

    private void writeAroundNovember() {
        List<UsageEvent> events = List.of(
                onDay("2026-10-31", "a", 1),
                onDay("2026-11-01", "a", 10),
                onDay("2026-11-30", "a", 100),
                onDay("2026-12-01", "a", 1_000),
                onDay("2026-11-15", "b", 10_000),
                onDay("2026-12-01", "b", 100_000));
        assertThat(new UsageAggregator(store).apply(onShard(events))).isEmpty();
    }

    @Test
    void queryDays_readsTheTenantsRowsFromTheFirstToTheLastDay_bothIncluded() {
        writeAroundNovember();

        List<UsageRow> rows = store.queryDays("a", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-30"));

        assertThat(rows).extracting(UsageRow::day).containsExactly("2026-11-01", "2026-11-30");
        assertThat(rows).extracting(row -> row.totals().costMicros()).containsExactly(10L, 100L);
        assertThat(store.queryDays("a", LocalDate.parse("2026-12-01"), LocalDate.parse("2026-12-01")))
                .extracting(row -> row.totals().costMicros())
                .containsExactly(1_000L);
    }

    @Test
    void scanDays_readsEveryTenantsRowsInTheRange_andCountsItsPages() {
        writeAroundNovember();
        List<Integer> pages = new ArrayList<>();

        List<UsageRow> rows = store.scanDays(LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-30"), pages::add);

        assertThat(rows)
                .extracting(row -> row.tenantId() + " " + row.day())
                .containsExactlyInAnyOrder("a 2026-11-01", "a 2026-11-30", "b 2026-11-15");
        assertThat(pages).containsExactly(1);
    }
}
