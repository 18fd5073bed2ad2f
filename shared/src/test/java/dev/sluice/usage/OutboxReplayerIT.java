package dev.sluice.usage;

import static dev.sluice.usage.UsageEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RequiresNode;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/** The outbox on DynamoDB Local drained into the Kinesis emulator, and kept whole while the stream is unreachable. */
@RequiresNode(unlessSet = {KinesisEmulator.ENDPOINT_PROPERTY, KinesisEmulator.ENDPOINT_VARIABLE})
class OutboxReplayerIT {
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private DynamoDbUsageOutbox outbox;

    @BeforeEach
    void createTable() {
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("replay") + "-");
        SluiceTables.createAll(dynamo, tables);
        outbox = new DynamoDbUsageOutbox(dynamo, tables.outbox(), Clock.systemUTC());
    }

    @Test
    void drain_putsEveryParkedEventIntoTheStreamOnce_partitionedByRequestId_andEmptiesTheOutbox() {
        KinesisEmulator kinesis = KinesisEmulator.shared();
        String stream = LocalDynamoDb.uniqueName("usage");
        kinesis.createStream(stream, 2);
        List<UsageEvent> parked =
                IntStream.range(0, 230).mapToObj(UsageEvents::usage).toList();
        parked.forEach(outbox::park);

        OutboxReplayer.Drain drain = new OutboxReplayer(outbox, new KinesisUsagePublisher(kinesis.newClient(), stream))
                .drain(Duration.ofSeconds(30));

        assertThat(drain).isEqualTo(new OutboxReplayer.Drain(230, 0, true));
        assertThat(outbox.batch(10)).isEmpty();
        var records = kinesis.readAll(stream, Duration.ofSeconds(20), parked.size());
        assertThat(records)
                .extracting(r -> UsageEventCodec.decode(r.data().asByteArray()))
                .containsExactlyInAnyOrderElementsOf(parked);
        assertThat(records)
                .allSatisfy(r -> assertThat(r.partitionKey())
                        .isEqualTo(
                                UsageEventCodec.decode(r.data().asByteArray()).requestId()));
    }

    @Test
    void drain_streamUnreachable_keepsEveryEventParked() throws Exception {
        URI nothingListens;
        try (ServerSocket closedRightAway = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nothingListens = URI.create("http://127.0.0.1:" + closedRightAway.getLocalPort());
        }
        KinesisClient unreachable = AwsClients.create(
                        new AwsSettings("us-east-1", true, Duration.ofMillis(800), Duration.ofMillis(300)))
                .kinesis(nothingListens);
        outbox.park(usage(1));
        outbox.park(usage(2));

        OutboxReplayer.Drain drain = new OutboxReplayer(outbox, new KinesisUsagePublisher(unreachable, "usage"))
                .drain(Duration.ofSeconds(10));

        assertThat(drain.replayed()).isZero();
        assertThat(drain.empty()).isFalse();
        assertThat(outbox.batch(10)).containsExactlyInAnyOrder(usage(1), usage(2));
    }
}
