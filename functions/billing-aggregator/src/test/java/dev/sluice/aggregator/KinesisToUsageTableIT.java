package dev.sluice.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RequiresNode;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import dev.sluice.usage.store.UsageTable;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The usage path after the router, on real engines: PutRecords into the Kinesis emulator, the records as Lambda's
 * event source mapping would hand them to the handler (delivered twice), rows in DynamoDB Local.
 */
@RequiresNode(unlessSet = {KinesisEmulator.ENDPOINT_PROPERTY, KinesisEmulator.ENDPOINT_VARIABLE})
class KinesisToUsageTableIT {

    @Test
    void publishedEvents_foldIntoTheUsageTableOnce_evenWhenDeliveredTwice() {
        KinesisEmulator kinesis = KinesisEmulator.shared();
        String stream = LocalDynamoDb.uniqueName("usage-stream");
        kinesis.createStream(stream, 1);
        String table = LocalDynamoDb.uniqueName("agg-usage");
        var dynamo = LocalDynamoDb.shared().newClient();
        UsageTable.create(dynamo, table);
        DynamoDbUsageStore store = new DynamoDbUsageStore(dynamo, table);
        AggregatorHandler handler = new AggregatorHandler(store);
        KinesisUsagePublisher publisher = new KinesisUsagePublisher(kinesis.newClient(), stream);
        List<UsageEvent> events = IntStream.range(0, 40)
                .mapToObj(i -> KinesisEvents.usage(
                        "req_" + i,
                        "acme",
                        i % 2 == 0 ? "demo" : "gpt",
                        "key_" + (i % 3),
                        100 + i,
                        20 + i,
                        5 + i,
                        i % 10 == 0 ? UsageEvent.UPSTREAM_ERROR : UsageEvent.OK))
                .toList();

        events.forEach(publisher::publish);
        List<Record> records = kinesis.readAll(stream, Duration.ofSeconds(20), events.size());
        KinesisEvent delivery = KinesisEvents.of(records.stream()
                .map(r -> KinesisEvents.record(
                        "shardId-000000000000",
                        new BigInteger(r.sequenceNumber()),
                        r.data().asByteArray()))
                .toList());
        assertThat(handler.handleRequest(delivery, null).getBatchItemFailures()).isEmpty();
        assertThat(handler.handleRequest(delivery, null).getBatchItemFailures()).isEmpty();

        UsageTotals expected = events.stream().map(UsageTotals::of).reduce(UsageTotals.ZERO, UsageTotals::plus);
        List<UsageRow> rows = store.query("acme", "day#");
        assertThat(rows).hasSize(6); // 2 models x 3 keys on one day
        assertThat(rows.stream().map(UsageRow::totals).reduce(UsageTotals.ZERO, UsageTotals::plus))
                .isEqualTo(expected);
    }
}
