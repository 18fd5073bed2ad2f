package dev.sluice.devstack;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.session.SessionTokenSource;
import dev.sluice.auth.session.SigningKeys;
import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.aws.UrlConnectionPool;
import dev.sluice.dynamodblocal.DynamoDbLocalServer;
import dev.sluice.health.HealthBoard;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.LeasedQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.ShardedQuotaLedger;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.router.GatewayWiring;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterServer;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.store.DynamoDbAuditLog;
import dev.sluice.store.DynamoDbHealthStore;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbResponseCache;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.DynamoDbVectorIndex;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.trace.Tracing;
import dev.sluice.usage.PrometheusMetrics;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.store.DynamoDbUsageStore;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The whole gateway on one machine with nothing installed: DynamoDB Local on loopback holding keys, routes, counters
 * and usage; secrets from the environment; the in-process usage stream feeding the aggregator's own fold
 * ({@code UsageAggregator}); the demo model, plus every provider whose key is in the environment ({@link
 * DevProviders}). The router is the same code that runs in Lambda.
 */
public final class DevStack implements AutoCloseable {
    public static final String DEMO_TENANT = "demo";
    public static final String DEMO_MODEL = "demo";
    /** Demo prices, so usage rows show a cost: $0.50 / 1M input, $1.50 / 1M output. */
    public static final Pricing DEMO_PRICING = new Pricing(500_000, 1_500_000, 250_000);

    public static final long LIMITED_KEY_RPM = 3;
    /** The demo tenant's daily budget: plenty to play with, and visible in x-ratelimit and usage. */
    public static final long DEMO_BUDGET_MICROS_PER_DAY = 1_000_000;
    /** A second tenant whose $0.001 daily budget a few demo streams spend, to see a budget refusal. */
    public static final String THRIFTY_TENANT = "thrifty";

    public static final long THRIFTY_BUDGET_MICROS_PER_DAY = 1_000;
    /** How long streams in flight may run on after Ctrl-C before they are cut. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** How long cut requests get to publish their usage. */
    static final Duration CUT_WAIT = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(DevStack.class);

    private final DynamoDbLocalServer dynamoDb;
    private final DynamoDbClient dynamo;
    private final TableNames tables;
    private final InProcessUsageStream usageStream;
    /** The quota ledger, closed before the database so that open leases settle. */
    private final QuotaLedger quotas;

    private final RouterServer router;
    private final DynamoDbKeyRepository keys;
    private final DynamoDbRouteRepository routes;
    private final DemoKeys demoKeys;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DevStack(
            DynamoDbLocalServer dynamoDb,
            DynamoDbClient dynamo,
            TableNames tables,
            InProcessUsageStream usageStream,
            QuotaLedger quotas,
            RouterServer router,
            DynamoDbKeyRepository keys,
            DynamoDbRouteRepository routes,
            DemoKeys demoKeys) {
        this.dynamoDb = dynamoDb;
        this.dynamo = dynamo;
        this.tables = tables;
        this.usageStream = usageStream;
        this.quotas = quotas;
        this.router = router;
        this.keys = keys;
        this.routes = routes;
        this.demoKeys = demoKeys;
    }

    /**
     * The keys the dev stack creates, in the clear (shown once, like any key).
     *
     * @param demo    an app key of the demo tenant, no limits of its own
     * @param limited an app key of the demo tenant limited to {@link #LIMITED_KEY_RPM} requests per minute
     * @param admin   the demo tenant's admin key: manages its keys and mints session tokens under /sluice/v1
     * @param thrifty an app key of the thrifty tenant, whose daily budget is {@link #THRIFTY_BUDGET_MICROS_PER_DAY}
     */
    public record DemoKeys(String demo, String limited, String admin, String thrifty) {
        @Override
        public String toString() {
            return "DemoKeys[redacted]";
        }
    }

    public static DevStack start(DevOptions options) throws IOException {
        // Before the first DynamoDB call: the router's concurrent quota writes each need a kept-alive connection.
        UrlConnectionPool.keepIdleConnectionsForConcurrency();
        DynamoDbLocalServer dynamoDb = DynamoDbLocalServer.start(options.dynamoDbPort());
        // Through the router's own client factory: the same bounded call timeouts (a slow DynamoDB Local answers 503,
        // it does not hold requests), and emulator credentials because this endpoint is declared an emulator.
        DynamoDbClient dynamo = AwsClients.create(
                        AwsSettings.fromEnvironment(options.environment()).withEmulator(true))
                .dynamoDb(dynamoDb.endpoint());
        TableNames tables = TableNames.fromEnvironment(Map.of());
        SluiceTables.createAll(dynamo, tables);

        DynamoDbKeyRepository keys = new DynamoDbKeyRepository(dynamo, tables.keys());
        DynamoDbRouteRepository routes = new DynamoDbRouteRepository(dynamo, tables.routes());
        seedRoutes(routes, options);
        DynamoDbTenantRepository tenants = new DynamoDbTenantRepository(dynamo, tables.tenants());
        DemoKeys demoKeys = seedTenants(tenants, keys);

        InProcessUsageStream usageStream = new InProcessUsageStream(
                new UsageAggregator(new DynamoDbUsageStore(dynamo, tables.usage())),
                options.usagePoll().toMillis());
        // SLUICE_TRACES=log or otlp (OTEL_EXPORTER_OTLP_ENDPOINT): spans of every request; off by default.
        Tracing tracing = Tracing.install(options.environment(), "sluice-dev");
        HealthBoard health = GatewayWiring.healthBoard(
                new DynamoDbHealthStore(dynamo, tables.counters()), options.environment(), Clock.systemUTC());
        // What a scrape of GET /metrics reads: every usage event, counted after the in-process stream took it.
        PrometheusMetrics metrics = new PrometheusMetrics(usageStream, health::census);
        // One long-lived process: admission from quota leases unless SLUICE_QUOTA_LEASES=off.
        QuotaLedger quotas = LeasedQuotaLedger.fromEnvironment(
                ShardedQuotaLedger.fromEnvironment(
                        new DynamoDbQuotaLedger(dynamo, tables.counters()), options.environment()),
                options.environment(),
                true);
        GatewayPipeline pipeline = GatewayWiring.pipeline(
                keys,
                tenants,
                routes,
                quotas,
                health,
                // DynamoDB Local shares this machine with everything else, so a lookup may take longer than on
                // DynamoDB (the gateway's 200 ms bound would turn a busy moment into misses); still bounded.
                new CacheStores(
                        new DynamoDbResponseCache(
                                dynamo,
                                tables.cache(),
                                Clock.systemUTC(),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(2)),
                        new DynamoDbVectorIndex(dynamo, tables.cache())),
                new DynamoDbUsageStore(dynamo, tables.usage()),
                new LocalSecretStore(withSessionSigningKey(options.environment()), DevProviders.keyVariables()),
                metrics,
                GatewayWiring.providers(
                        Duration.ofSeconds(10),
                        options.demoDelay(),
                        options.environment().getOrDefault("AWS_REGION", "us-east-1"),
                        Clock.systemUTC()),
                Duration.ofSeconds(2),
                Duration.ofMinutes(5),
                new DynamoDbAuditLog(dynamo, tables.audit()),
                Clock.systemUTC());
        RouterServer router = RouterServer.start(
                        options.host(), options.routerPort(), pipeline, RouterConfig.DEFAULT_MAX_BODY_BYTES)
                .exposeMetrics(metrics)
                .traceWith(tracing);
        TokenEstimator.warmUpInBackground();
        return new DevStack(dynamoDb, dynamo, tables, usageStream, quotas, router, keys, routes, demoKeys);
    }

    /**
     * The local secret store's environment, with a session signing key made for this run unless one is configured
     * ({@code SLUICE_SECRET_SESSION_SIGNING}): session tokens minted by the dev stack end with it. It also holds the
     * key of the local stand-in upstreams ({@link LocalUpstream}), so routes to them need no set-up.
     */
    private static Map<String, String> withSessionSigningKey(Map<String, String> environment) {
        Map<String, String> secrets = new HashMap<>(environment);
        secrets.putIfAbsent(
                LocalSecretStore.variableFor(SessionTokenSource.SECRET_NAME), SigningKeys.newSecretJson("dev"));
        secrets.putIfAbsent(LocalSecretStore.variableFor(LocalUpstream.SECRET_NAME), LocalUpstream.KEY);
        return secrets;
    }

    /** The demo tenant (a daily budget; an app, a rate-limited and an admin key) and the thrifty one ($0.001 a day). */
    private static DemoKeys seedTenants(DynamoDbTenantRepository tenants, DynamoDbKeyRepository keys) {
        tenants.put(new Tenant(
                DEMO_TENANT,
                "Demo",
                Tenant.Status.ACTIVE,
                Set.of(),
                new Limits(0, 0, 0, DEMO_BUDGET_MICROS_PER_DAY, 0)));
        tenants.put(new Tenant(
                THRIFTY_TENANT,
                "Thrifty",
                Tenant.Status.ACTIVE,
                Set.of(),
                new Limits(0, 0, 0, THRIFTY_BUDGET_MICROS_PER_DAY, 0)));
        return new DemoKeys(
                createKey(keys, DEMO_TENANT, "demo", Limits.NONE),
                createKey(keys, DEMO_TENANT, "limited", Limits.requestsPerMinute(LIMITED_KEY_RPM)),
                createKey(keys, DEMO_TENANT, "admin", ApiKey.Role.ADMIN, Limits.NONE),
                createKey(keys, THRIFTY_TENANT, "thrifty", Limits.NONE));
    }

    /** The demo model always; each provider's models when its key is in the environment. */
    private static void seedRoutes(DynamoDbRouteRepository routes, DevOptions options) {
        routes.put(new Route(
                DEMO_MODEL,
                List.of(new Deployment(DemoProvider.TYPE, "sluice-demo-1", null, null, DEMO_PRICING, null))));
        DevProviders.routes(options.environment()).forEach(routes::put);
    }

    /** Creates a key and returns it in the clear: the only moment it exists outside the client. */
    public static String createKey(KeyRepository keys, String tenant, String name, Limits limits) {
        return createKey(keys, tenant, name, ApiKey.Role.APP, limits);
    }

    private static String createKey(KeyRepository keys, String tenant, String name, ApiKey.Role role, Limits limits) {
        String key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(
                hash,
                new ApiKey(ApiKeys.keyIdFor(hash), tenant, name, role, ApiKey.Status.ACTIVE, Set.of(), limits, null));
        return key;
    }

    public URI routerUrl() {
        return URI.create("http://127.0.0.1:" + router.port());
    }

    public URI dynamoDbEndpoint() {
        return dynamoDb.endpoint();
    }

    /** TCP connections DynamoDB Local has accepted so far: stays near the concurrency when connections are reused. */
    public long dynamoDbConnectionsAccepted() {
        return dynamoDb.connectionsAccepted();
    }

    public DynamoDbClient dynamo() {
        return dynamo;
    }

    public TableNames tables() {
        return tables;
    }

    public DynamoDbKeyRepository keys() {
        return keys;
    }

    public DynamoDbRouteRepository routes() {
        return routes;
    }

    public InProcessUsageStream usageStream() {
        return usageStream;
    }

    public String demoKey() {
        return demoKeys.demo();
    }

    public String limitedKey() {
        return demoKeys.limited();
    }

    public DemoKeys demoKeys() {
        return demoKeys;
    }

    /**
     * Stops within {@link #STOP_GRACE} + {@link #CUT_WAIT} + the usage drain (under 10 s): stops taking requests,
     * lets streams in flight finish for up to the grace, cuts the rest (whose usage the pipeline still publishes),
     * delivers all usage to the usage table, then stops the database. Closing again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!router.stop(STOP_GRACE, CUT_WAIT)) {
            LOG.warn(
                    "some requests were still running {} after the router was cut; their usage may be missing",
                    CUT_WAIT);
        }
        usageStream.close();
        if (quotas instanceof LeasedQuotaLedger leased) {
            leased.close();
        }
        dynamo.close();
        dynamoDb.close();
    }
}
