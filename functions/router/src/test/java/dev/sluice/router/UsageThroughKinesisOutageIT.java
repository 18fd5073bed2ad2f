package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.OutageProxy;
import dev.sluice.testing.RequiresNode;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.UsagePublisher;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The usage guarantee, end to end: chat requests over HTTP through the router for 45 s from 4 clients while Kinesis
 * goes away for 30 s in the middle, first not answering (the emulator's process stopped: calls time out, and those
 * already sent are written when it runs again, after the router gave up on them), then refusing connections (a proxy
 * in front of it), then back. Afterwards the outbox is replayed by {@link OutboxReplayHandler}, the whole stream is
 * read into the aggregator's DynamoDB usage store (its first batch delivered twice, as Lambda may), and the usage rows
 * must equal, exactly, the requests the clients were served: requests, tokens and cost.
 */
@RequiresNode
class UsageThroughKinesisOutageIT {
    private static final AwsSettings SETTINGS = new AwsSettings(
            "us-east-1", true, AwsSettings.DEFAULT_API_CALL_TIMEOUT, AwsSettings.DEFAULT_API_CALL_ATTEMPT_TIMEOUT);
    private static final List<String> TENANTS = List.of("tenant-a", "tenant-b");
    private static final Duration BEFORE_OUTAGE = Duration.ofSeconds(6);
    private static final Duration NOT_ANSWERING = Duration.ofSeconds(15);
    private static final Duration REFUSING = Duration.ofSeconds(15);
    private static final Duration AFTER_OUTAGE = Duration.ofSeconds(9);
    private static final int CLIENTS = 4;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final String CHAT = """
            {"model":"demo","stream":true,"stream_options":{"include_usage":true},\
            "messages":[{"role":"user","content":"count the usage"}]}""";

    private final KinesisEmulator kinesis = KinesisEmulator.start();
    private final OutageProxy kinesisProxy = OutageProxy.forwardingTo(kinesis.endpoint());
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private final List<String> keys = new ArrayList<>();
    private final ConcurrentLinkedQueue<UsageEvent> published = new ConcurrentLinkedQueue<>();
    private TableNames tables;
    private String stream;
    private RouterServer router;
    private KinesisClient routerKinesis;
    private DynamoDbClient routerDynamo;

    @BeforeEach
    void start() throws Exception {
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("usage-outage") + "-");
        SluiceTables.createAll(dynamo, tables);
        stream = LocalDynamoDb.uniqueName("usage");
        kinesis.createStream(stream, 2);
        new DynamoDbRouteRepository(dynamo, tables.routes())
                .put(new Route(
                        "demo",
                        List.of(new Deployment(
                                DemoProvider.TYPE, "demo-1", null, null, new Pricing(500_000, 1_500_000, 0), null))));
        DynamoDbKeyRepository keyRepository = new DynamoDbKeyRepository(dynamo, tables.keys());
        for (String tenant : TENANTS) {
            String key = ApiKeys.newKey();
            String hash = ApiKeys.sha256Hex(key);
            keyRepository.put(
                    hash,
                    new ApiKey(
                            ApiKeys.keyIdFor(hash),
                            tenant,
                            "outage",
                            ApiKey.Role.APP,
                            ApiKey.Status.ACTIVE,
                            Set.of(),
                            Limits.NONE,
                            null));
            keys.add(key);
        }

        AwsClients aws = AwsClients.create(SETTINGS);
        routerDynamo = aws.dynamoDb(LocalDynamoDb.shared().endpoint());
        routerKinesis = aws.kinesis(kinesisProxy.endpoint());
        UsagePublisher wired = GatewayWiring.usagePublisher(
                new KinesisUsagePublisher(routerKinesis, stream),
                new DynamoDbUsageOutbox(routerDynamo, tables.outbox(), Clock.systemUTC()),
                SETTINGS.apiCallTimeout(),
                null,
                () -> dev.sluice.health.DeploymentHealth.Census.NONE);
        UsagePublisher recorded = event -> {
            published.add(event);
            wired.publish(event);
        };
        router =
                RouterServer.start("127.0.0.1", 0, DynamoDbPipelines.demo(routerDynamo, tables, recorded), 1024 * 1024);
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        if (routerKinesis != null) {
            routerKinesis.close();
            routerDynamo.close();
        }
        kinesisProxy.close();
        kinesis.close();
        dynamo.close();
    }

    @Test
    @Timeout(150)
    void usageTotals_equalTheRequestsServed_exactly_afterKinesisWasAway30sUnderLoad() throws Exception {
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong slowestMillis = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            String key = keys.get(c % keys.size());
            clients.add(Thread.ofPlatform().name("load-" + c).start(() -> {
                while (loading.get()) {
                    long started = System.nanoTime();
                    if (chat(key)) {
                        served.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    slowestMillis.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
                    pause(Duration.ofMillis(15));
                }
            }));
        }

        Thread.sleep(BEFORE_OUTAGE);
        int servedBeforeOutage = served.get();
        kinesis.pause();
        Thread.sleep(NOT_ANSWERING);
        kinesisProxy.mode(OutageProxy.Mode.REFUSE);
        kinesis.resume(); // what it was sent while stopped is written now, after the router gave up on it
        Thread.sleep(REFUSING);
        kinesisProxy.mode(OutageProxy.Mode.FORWARD);
        int servedDuringOutage = served.get() - servedBeforeOutage;
        Thread.sleep(AFTER_OUTAGE);
        loading.set(false);
        for (Thread client : clients) {
            client.join(Duration.ofSeconds(30));
        }

        Map<String, String> replayEnvironment = Map.of(
                "AWS_REGION",
                "us-east-1",
                "SLUICE_AWS_EMULATOR",
                "true",
                "SLUICE_OUTBOX_TABLE",
                tables.outbox(),
                "SLUICE_DYNAMODB_ENDPOINT",
                LocalDynamoDb.shared().endpoint().toString(),
                "SLUICE_KINESIS_ENDPOINT",
                kinesis.endpoint().toString(),
                "SLUICE_USAGE_STREAM",
                stream);
        Map<String, Object> replay = new OutboxReplayHandler(replayEnvironment).handleRequest(Map.of(), null);

        List<SequencedEvent> records = readStream();
        DynamoDbUsageStore store = new DynamoDbUsageStore(dynamo, tables.usage());
        UsageAggregator aggregator = new UsageAggregator(store);
        for (int from = 0; from < records.size(); from += 500) {
            List<SequencedEvent> batch = records.subList(from, Math.min(records.size(), from + 500));
            assertThat(aggregator.apply(batch)).isEmpty();
            if (from == 0) {
                assertThat(aggregator.apply(batch)).isEmpty(); // delivered again
            }
        }
        UsageTotals stored = UsageTotals.ZERO;
        for (String tenant : TENANTS) {
            for (UsageRow row : store.query(tenant, "day#")) {
                stored = stored.plus(row.totals());
            }
        }
        UsageTotals expected = published.stream().map(UsageTotals::of).reduce(UsageTotals.ZERO, UsageTotals::plus);
        long distinctRecorded =
                records.stream().map(r -> r.event().requestId()).distinct().count();
        System.out.printf(
                "UsageThroughKinesisOutageIT: %d served (%d during the outage), %d failed, slowest %d ms; replay %s;"
                        + " %d records in the stream for %d requests%n",
                served.get(),
                servedDuringOutage,
                failed.get(),
                slowestMillis.get(),
                replay,
                records.size(),
                distinctRecorded);

        assertThat(failed).hasValue(0);
        assertThat(servedDuringOutage)
                .as("requests served while Kinesis was away")
                .isPositive();
        assertThat((Integer) replay.get("replayed"))
                .as("events parked in the outbox during the outage")
                .isPositive();
        assertThat(replay.get("empty")).isEqualTo(true);
        assertThat(slowestMillis.get())
                .as("a request waits for the stream at most its budget, then one outbox write")
                .isLessThan(SETTINGS.apiCallTimeout().plusSeconds(3).toMillis());
        assertThat(published).hasSize(served.get());
        assertThat(distinctRecorded).isEqualTo(served.get());
        assertThat(stored.requests()).isEqualTo(served.get());
        assertThat(stored).isEqualTo(expected);
        assertThat(stored.totalTokens()).isPositive();
        assertThat(stored.costMicros()).isPositive();
    }

    private boolean chat(String key) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/v1/chat/completions"))
                            .header("Authorization", "Bearer " + key)
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().endsWith("data: [DONE]\n\n");
        } catch (Exception e) {
            return false;
        }
    }

    /** Every record of every shard, read from the start until a shard has nothing more to give. */
    private List<SequencedEvent> readStream() {
        List<SequencedEvent> events = new ArrayList<>();
        try (KinesisClient client = kinesis.newClient()) {
            for (Shard shard : client.listShards(b -> b.streamName(stream)).shards()) {
                String iterator = client.getShardIterator(b -> b.streamName(stream)
                                .shardId(shard.shardId())
                                .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                        .shardIterator();
                for (int emptyReads = 0; iterator != null && emptyReads < 3; ) {
                    String from = iterator;
                    GetRecordsResponse page = client.getRecords(b -> b.shardIterator(from));
                    for (Record record : page.records()) {
                        events.add(SequencedEvent.of(
                                shard.shardId(),
                                record.sequenceNumber(),
                                UsageEventCodec.decode(record.data().asByteArray())));
                    }
                    emptyReads = page.records().isEmpty() ? emptyReads + 1 : 0;
                    iterator = page.nextShardIterator();
                }
            }
        }
        return events;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
