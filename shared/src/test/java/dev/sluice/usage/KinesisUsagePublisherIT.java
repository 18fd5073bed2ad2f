package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RequiresNode;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/** Usage events through PutRecords into the Kinesis emulator, read back byte for byte. */
@RequiresNode(unlessSet = {KinesisEmulator.ENDPOINT_PROPERTY, KinesisEmulator.ENDPOINT_VARIABLE})
class KinesisUsagePublisherIT {

    @Test
    void publish_writesOneRecordPerEvent_partitionedByRequestId() {
        KinesisEmulator kinesis = KinesisEmulator.shared();
        String stream = LocalDynamoDb.uniqueName("usage");
        kinesis.createStream(stream, 2);
        KinesisUsagePublisher publisher = new KinesisUsagePublisher(kinesis.newClient(), stream);
        List<UsageEvent> events = IntStream.range(0, 40)
                .mapToObj(i -> new UsageEvent(
                        UsageEvent.SCHEMA_VERSION,
                        "req_" + i,
                        1_795_428_000_000L,
                        "tenant-big",
                        "key_1",
                        "demo",
                        "demo",
                        "demo-1",
                        10,
                        i,
                        0,
                        0,
                        i,
                        12,
                        3,
                        UsageEvent.OK,
                        200,
                        true,
                        false,
                        false))
                .toList();

        events.forEach(publisher::publish);

        List<Record> records = kinesis.readAll(stream, Duration.ofSeconds(20), events.size());
        assertThat(records)
                .extracting(r -> UsageEventCodec.decode(r.data().asByteArray()))
                .containsExactlyInAnyOrderElementsOf(events);
        assertThat(records)
                .allSatisfy(r -> assertThat(r.partitionKey())
                        .isEqualTo(
                                UsageEventCodec.decode(r.data().asByteArray()).requestId()));
    }
}
