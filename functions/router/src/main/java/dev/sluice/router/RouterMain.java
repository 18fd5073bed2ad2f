package dev.sluice.router;

import dev.sluice.aws.AwsClients;
import dev.sluice.aws.UrlConnectionPool;
import dev.sluice.health.HealthBoard;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.quota.LeasedQuotaLedger;
import dev.sluice.quota.ShardedQuotaLedger;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.secret.SecretsManagerSecretStore;
import dev.sluice.store.DynamoDbAuditLog;
import dev.sluice.store.DynamoDbHealthStore;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbResponseCache;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.store.DynamoDbVectorIndex;
import dev.sluice.trace.Tracing;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.PrometheusMetrics;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.UsagePublisher;
import dev.sluice.usage.store.DynamoDbUsageStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Production entry point: on Lambda, {@code run.sh} starts this behind the AWS Lambda Web Adapter, which forwards
 * each invocation to it over loopback HTTP and streams the response back. Wiring happens once per instance, before
 * the first request (and so before a SnapStart snapshot): the AWS SDK clients and the caches are built here, and
 * nothing is called until a request arrives.
 *
 * <p>SnapStart: the adapter POSTs {@link RouterServer#BEFORE_CHECKPOINT_PATH} once the router is ready (priming,
 * then closing provider clients) and {@link RouterServer#AFTER_RESTORE_PATH} after each restore (request-id seed,
 * provider clients). With {@code SLUICE_PRIME_ON_START=true} the priming hooks run before the server listens, to
 * measure a primed cold start without SnapStart.
 */
public final class RouterMain {
    private static final Logger LOG = LoggerFactory.getLogger(RouterMain.class);

    private RouterMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        long started = System.nanoTime();
        UrlConnectionPool.keepIdleConnectionsForConcurrency(); // before the first AWS call
        RouterConfig config = RouterConfig.fromEnvironment(System.getenv());
        Tracing tracing = Tracing.install(System.getenv(), "sluice-router"); // before any stage asks for a tracer
        AwsClients aws = AwsClients.create(config.aws());
        DynamoDbClient dynamo = aws.dynamoDb(config.dynamoDbEndpoint());
        List<Object> providers =
                GatewayWiring.providers(Duration.ofSeconds(10), Duration.ZERO, config.region(), Clock.systemUTC());
        HealthBoard health = GatewayWiring.healthBoard(
                new DynamoDbHealthStore(dynamo, config.tables().counters()), System.getenv(), Clock.systemUTC());
        UsagePublisher usage = usagePublisher(config, aws, dynamo, health);
        GatewayPipeline pipeline = GatewayWiring.pipeline(
                new DynamoDbKeyRepository(dynamo, config.tables().keys()),
                new DynamoDbTenantRepository(dynamo, config.tables().tenants()),
                new DynamoDbRouteRepository(dynamo, config.tables().routes()),
                // Leases are off unless SLUICE_QUOTA_LEASES=on (CDK sets it for compute=managed-instances): a
                // one-request Lambda environment is frozen between requests and would strand what a lease holds.
                LeasedQuotaLedger.fromEnvironment(
                        ShardedQuotaLedger.fromEnvironment(
                                new DynamoDbQuotaLedger(dynamo, config.tables().counters()), System.getenv()),
                        System.getenv(),
                        false),
                health,
                new CacheStores(
                        new DynamoDbResponseCache(dynamo, config.tables().cache()),
                        new DynamoDbVectorIndex(dynamo, config.tables().cache())),
                new DynamoDbUsageStore(dynamo, config.tables().usage()),
                new SecretsManagerSecretStore(
                        aws.secretsManager(config.secretsManagerEndpoint()), config.secretPrefix()),
                usage,
                providers,
                config.cacheTtl(),
                config.secretTtl(),
                new DynamoDbAuditLog(dynamo, config.tables().audit()),
                Clock.systemUTC());
        SnapStartHooks hooks = new SnapStartHooks();
        if (config.snapStartHooks() || config.primeOnStart()) {
            Priming.register(hooks, config.region());
            GatewayWiring.closeClientsAtSnapshot(providers, hooks);
        }
        if (config.primeOnStart()) {
            hooks.runBeforeCheckpoint();
        }
        RouterServer server = RouterServer.start(
                config.bindHost(),
                config.port(),
                pipeline,
                config.maxBodyBytes(),
                hooks,
                config.clientAddresses(),
                config.limits());
        server.traceWith(tracing);
        if (usage instanceof PrometheusMetrics metrics) {
            server.exposeMetrics(metrics);
        }
        TokenEstimator.warmUpInBackground(); // after the server is up: not on the cold-start path
        LOG.info(
                "Sluice router listening on {}:{} (started in {} ms{})",
                config.bindHost(),
                server.port(),
                (System.nanoTime() - started) / 1_000_000,
                config.primeOnStart() ? ", primed" : "");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            tracing.close();
            stopped.countDown();
        }));
        stopped.await();
    }

    /**
     * Usage events to Kinesis, parked in the outbox when Kinesis does not take them; with {@code SLUICE_METRICS=emf},
     * also as CloudWatch EMF lines on stdout; with {@code prometheus}, also counted for {@code GET /metrics}.
     */
    private static UsagePublisher usagePublisher(
            RouterConfig config, AwsClients aws, DynamoDbClient dynamo, HealthBoard health) {
        UsagePublisher durable = GatewayWiring.usagePublisher(
                new KinesisUsagePublisher(aws.kinesis(config.kinesisEndpoint()), config.usageStream()),
                new DynamoDbUsageOutbox(dynamo, config.tables().outbox(), Clock.systemUTC()),
                config.aws().apiCallTimeout(),
                config.emfMetrics() ? System.out : null,
                health::census);
        return config.prometheusMetrics() ? new PrometheusMetrics(durable, health::census) : durable;
    }
}
