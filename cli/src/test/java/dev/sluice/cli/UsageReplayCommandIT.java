package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RequiresNode;
import dev.sluice.usage.UnsentUsageLog;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code gatewayctl usage replay} from a saved log and from the outbox, into the Kinesis emulator. */
class UsageReplayCommandIT {
    private final LocalDynamoDb engine = LocalDynamoDb.shared();
    private TableNames tables;

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    @BeforeEach
    void createTables() {
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("replay") + "-");
        try (DynamoDbClient dynamo = engine.newClient()) {
            SluiceTables.createAll(dynamo, tables);
        }
    }

    private static UsageEvent event(int i) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_" + i,
                1_795_428_000_000L + i,
                "acme",
                "key_1",
                "demo",
                "demo",
                "demo-1",
                100 + i,
                10,
                0,
                0,
                5 + i,
                40,
                4,
                UsageEvent.OK,
                200,
                true,
                false,
                false);
    }

    private Run replay(String kinesisEndpoint, String stream, String... options) {
        List<String> argv = new ArrayList<>(List.of("usage", "replay"));
        argv.addAll(List.of(options));
        argv.addAll(List.of(
                "--stream",
                stream,
                "--kinesis-endpoint",
                kinesisEndpoint,
                "--dynamodb-endpoint",
                engine.endpoint().toString(),
                "--emulator"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new GatewayCtl(
                        Map.of("SLUICE_OUTBOX_TABLE", tables.outbox(), "SLUICE_AWS_API_CALL_TIMEOUT_MS", "1500"),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv.toArray(String[]::new));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<UsageEvent> read(KinesisEmulator kinesis, String stream, int expected) {
        return kinesis.readAll(stream, Duration.ofSeconds(20), expected).stream()
                .map(r -> UsageEventCodec.decode(r.data().asByteArray()))
                .toList();
    }

    @Test
    @RequiresNode(unlessSet = {KinesisEmulator.ENDPOINT_PROPERTY, KinesisEmulator.ENDPOINT_VARIABLE})
    void fromLog_sendsEachLoggedRequestOnce_fromJsonPlainAndBareLines_andSkipsTheRest() throws Exception {
        KinesisEmulator kinesis = KinesisEmulator.shared();
        String stream = LocalDynamoDb.uniqueName("usage");
        kinesis.createStream(stream, 1);
        Path log = dir.resolve("router.log");
        Files.write(
                log,
                List.of(
                        "{\"time\":\"2026-12-05T19:00:00.000Z\",\"level\":\"INFO\",\"message\":\"listening\"}",
                        Json.writeString(Map.of("level", "ERROR", "message", UnsentUsageLog.message(event(1)))),
                        "2026-12-05T19:00:01Z\tERROR\t" + UnsentUsageLog.message(event(2)),
                        new String(UsageEventCodec.encode(event(3)), StandardCharsets.UTF_8),
                        "2026-12-05T19:00:02Z\tERROR\t" + UnsentUsageLog.message(event(2)), // logged twice
                        "not a usage line"),
                StandardCharsets.UTF_8);

        Run run = replay(kinesis.endpoint().toString(), stream, "--from-log", log.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("6 lines read: 4 usage events (3 requests); 3 sent to " + stream + ", 0 not sent");
        assertThat(read(kinesis, stream, 3)).containsExactlyInAnyOrder(event(1), event(2), event(3));
    }

    @Test
    @RequiresNode(unlessSet = {KinesisEmulator.ENDPOINT_PROPERTY, KinesisEmulator.ENDPOINT_VARIABLE})
    void outbox_drainsEveryParkedEventIntoTheStream_andEmptiesIt() {
        KinesisEmulator kinesis = KinesisEmulator.shared();
        String stream = LocalDynamoDb.uniqueName("usage");
        kinesis.createStream(stream, 1);
        List<UsageEvent> parked =
                IntStream.range(0, 120).mapToObj(UsageReplayCommandIT::event).toList();
        try (DynamoDbClient dynamo = engine.newClient()) {
            DynamoDbUsageOutbox outbox = new DynamoDbUsageOutbox(dynamo, tables.outbox(), Clock.systemUTC());
            parked.forEach(outbox::park);

            Run run = replay(kinesis.endpoint().toString(), stream, "--outbox");

            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out())
                    .contains(
                            "120 usage events replayed from " + tables.outbox() + " into " + stream + "; outbox empty");
            assertThat(outbox.batch(10)).isEmpty();
        }
        assertThat(read(kinesis, stream, 120)).containsExactlyInAnyOrderElementsOf(parked);
    }

    @Test
    void unreachableStream_exitsNonZero_sayingWhatWasNotSent_andKeepsTheOutbox() throws Exception {
        String nothingListens;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nothingListens = "http://127.0.0.1:" + closed.getLocalPort();
        }
        Path log = dir.resolve("router.log");
        Files.writeString(log, UnsentUsageLog.message(event(7)) + "\n", StandardCharsets.UTF_8);
        try (DynamoDbClient dynamo = engine.newClient()) {
            DynamoDbUsageOutbox outbox = new DynamoDbUsageOutbox(dynamo, tables.outbox(), Clock.systemUTC());
            outbox.park(event(8));

            Run fromLog = replay(nothingListens, "usage", "--from-log", log.toString());
            Run fromOutbox = replay(nothingListens, "usage", "--outbox");

            assertThat(fromLog.status()).isEqualTo(1);
            assertThat(fromLog.out()).contains("1 usage events (1 requests); 0 sent to usage, 1 not sent");
            assertThat(fromLog.err()).contains("not sent: req_7");
            assertThat(fromOutbox.status()).isEqualTo(1);
            assertThat(fromOutbox.out()).contains("0 usage events replayed").contains("outbox not empty");
            assertThat(outbox.batch(10)).containsExactly(event(8));
        }
    }

    @Test
    void bothSourcesOrNeither_isAUsageError() {
        assertThat(replay("http://127.0.0.1:1", "usage").status()).isEqualTo(2);
        assertThat(replay("http://127.0.0.1:1", "usage", "--outbox", "--from-log", "x.log")
                        .status())
                .isEqualTo(2);
    }
}
