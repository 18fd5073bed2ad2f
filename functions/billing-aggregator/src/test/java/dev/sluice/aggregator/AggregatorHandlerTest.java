package dev.sluice.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.InMemoryUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AggregatorHandlerTest {
    private final InMemoryUsageStore store = new InMemoryUsageStore();
    private final AggregatorHandler handler = new AggregatorHandler(store);

    @Test
    void sampleEvent_foldsIntoRowsPerTenantDayModelAndKey_skippingTheUndecodableRecord() {
        KinesisEvent event = EventLoader.loadKinesisEvent("../../events/kinesis-usage-batch.json");

        StreamsEventResponse response = handler.handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(store.query("acme", "day#")).singleElement().satisfies(row -> {
            assertThat(row.day()).isEqualTo("2026-11-23");
            assertThat(row.alias()).isEqualTo("gpt-4o-mini");
            assertThat(row.totals()).isEqualTo(new UsageTotals(3, 1, 2050, 500, 0, 0, 608));
        });
        assertThat(store.query("globex", "day#2026-11"))
                .extracting(UsageRow::totals)
                .containsExactly(new UsageTotals(1, 0, 10, 40, 0, 0, 65));
    }

    @Test
    void redeliveredBatch_isCountedOnce() {
        KinesisEvent event = EventLoader.loadKinesisEvent("../../events/kinesis-usage-batch.json");

        handler.handleRequest(event, null);
        handler.handleRequest(event, null);

        assertThat(store.query("acme", "day#"))
                .singleElement()
                .satisfies(row -> assertThat(row.totals().requests()).isEqualTo(3));
    }

    @Test
    void retryFromTheMiddleOfABatch_countsEveryEventExactlyOnce() {
        List<UsageEvent> events = IntStream.range(0, 10)
                .mapToObj(i -> KinesisEvents.usage(
                        "r" + i, i % 2 == 0 ? "even" : "odd", "demo", "key_1", 10, 5, 3, UsageEvent.OK))
                .toList();
        List<KinesisEvent.KinesisEventRecord> records = KinesisEvents.onShard("shardId-000000000001", events);

        handler.handleRequest(KinesisEvents.of(records.subList(0, 7)), null);
        // Lambda redelivers from record 4 on (as after a reported failure there), plus the rest of the shard.
        handler.handleRequest(KinesisEvents.of(new ArrayList<>(records.subList(4, 10))), null);

        assertThat(store.query("even", "day#").getFirst().totals().requests()).isEqualTo(5);
        assertThat(store.query("odd", "day#").getFirst().totals().requests()).isEqualTo(5);
        assertThat(store.query("odd", "day#").getFirst().totals().costMicros()).isEqualTo(15);
    }
}
