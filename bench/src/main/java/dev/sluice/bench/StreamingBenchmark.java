package dev.sluice.bench;

import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Tenant;
import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.testing.FakeUpstream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Measures what the local gateway adds to a streamed chat completion, against the same loopback fake upstream called
 * directly: latency (time to the first {@code data:} line and to {@code [DONE]}), CPU per request, throughput at a
 * few concurrencies, and memory under the largest. Prints the results as Markdown on stdout; progress goes to
 * stderr. See {@code bench/README.md}.
 *
 * <p>The gateway is the dev stack ({@link DevStack}): DynamoDB Local, the router and the in-process usage pipeline.
 * It is measured in three configurations, one key each: {@value #GATEWAY_NO_LIMITS} (no limits anywhere: no counter
 * write), {@value #GATEWAY_RPM} (a requests-per-minute limit on the key only: one conditional {@code UpdateItem} in
 * DynamoDB Local to reserve, nothing to settle) and {@value #GATEWAY_ALL_LIMITS} (every limit on both the key and its
 * tenant, on a priced route: two reservations in parallel and two settlements at the end of the stream).
 */
public final class StreamingBenchmark {
    /** The RPM key's limit, far above what a run sends in a minute. */
    static final long RPM_LIMIT = 1_000_000;
    /**
     * Every limit, on the key and on its tenant, each far above what a run uses so nothing is refused: 10 million
     * requests and 10^12 tokens a minute, 10,000 at once, $10^9 a day and a month.
     */
    static final Limits ALL_LIMITS =
            new Limits(10_000_000, 1_000_000_000_000L, 10_000, 1_000_000_000_000_000L, 1_000_000_000_000_000L);

    static final String ALIAS = "bench";
    static final String UPSTREAM_MODEL = "bench-upstream-1";
    static final int PROMPT_TOKENS = 19;
    static final String DIRECT = "direct";
    /** A key with no limits in a tenant with no record: no counter write at all. */
    static final String GATEWAY_NO_LIMITS = "gateway-no-limits";
    /** A key with an RPM limit in a tenant with no record: one reservation write, no settlement write. */
    static final String GATEWAY_RPM = "gateway-rpm";
    /** Every limit on the key and on its tenant: two reservation writes in parallel, two settlement writes. */
    static final String GATEWAY_ALL_LIMITS = "gateway-all-limits";
    /** The gateway targets, in the order of the report's columns. */
    static final List<String> GATEWAYS = List.of(GATEWAY_NO_LIMITS, GATEWAY_RPM, GATEWAY_ALL_LIMITS);
    /** The tenant of the no-limits and RPM keys; it has no record, so it is unrestricted. */
    static final String OPEN_TENANT = "bench-open";
    /** The tenant of the all-limits key, with a record carrying {@link #ALL_LIMITS}. */
    static final String LIMITED_TENANT = "bench-limited";

    private static final Duration USAGE_DRAIN_LIMIT = Duration.ofSeconds(30);

    private StreamingBenchmark() {}

    public static void main(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(BenchOptions.USAGE);
            System.out.print(SoakOptions.USAGE);
            System.exit(0);
        }
        if (SoakOptions.requested(args)) {
            soakMain(args);
            return;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        startWatchdog(options.timeLimit());
        int status = 0;
        try {
            BenchmarkResult result = run(options, System.err);
            System.out.print(result.toMarkdown());
            System.out.flush();
        } catch (Exception e) {
            System.err.println("benchmark failed: " + e);
            e.printStackTrace(System.err);
            status = 1;
        }
        System.exit(status);
    }

    /** Runs every phase and returns the results; starts and stops its own dev stack and fake upstream. */
    public static BenchmarkResult run(BenchOptions options, PrintStream progress) throws IOException {
        useBenchLogging();
        Instant startedAt = Instant.now();
        long began = System.nanoTime();
        Machine machine = Machine.current();
        String loadBefore = ProcessStats.loadAverage();
        try (FakeUpstream upstream = FakeUpstream.start();
                DevStack stack = DevStack.start(
                        DevOptions.defaults(stackEnvironment()).withPorts(0, 0).withDemoDelay(Duration.ZERO))) {
            GatewayKeys keys = prepare(upstream, stack, options.chunks());
            Target direct = Target.streamingChat(DIRECT, upstream.baseUrl(), null, UPSTREAM_MODEL, options.chunks());
            List<Target> targets = new ArrayList<>(List.of(direct));
            for (String gateway : GATEWAYS) {
                targets.add(Target.streamingChat(
                        gateway, URI.create(stack.routerUrl() + "/v1"), keys.of(gateway), ALIAS, options.chunks()));
            }
            Runnable drainUsage = () -> awaitUsageDelivered(stack);

            Errors sequentialErrors = new Errors();
            SequentialRun.LatencyResult latency;
            SequentialRun.CpuResult cpu;
            long reconnects;
            try (SequentialRun sequential = new SequentialRun(targets, sequentialErrors)) {
                sequential.check();
                progress.printf(
                        "warm-up: %d streamed requests to each of %d targets%n", options.warmup(), targets.size());
                sequential.warmUp(options.warmup());
                drainUsage.run();
                checkCounters(stack, keys);
                progress.printf("latency: %d streamed requests to each target%n", options.requests());
                latency = sequential.measureLatency(options.requests());
                drainUsage.run();
                progress.printf("CPU: %d streamed requests to each target%n", options.requests());
                cpu = sequential.measureCpu(options.requests(), drainUsage);
                reconnects = sequential.reconnects();
            }

            List<ThroughputRun.Result> throughput = new ArrayList<>();
            for (int clients : options.concurrency()) {
                // Direct first: the router's pooled connections to the upstream count against the JDK server's
                // idle-connection cap, and once the gateway runs have filled that pool direct clients get cut off.
                for (Target target : targets) {
                    progress.printf(
                            "throughput: %s, %d clients, %d ms + %d ms warm-up%n",
                            target.name(),
                            clients,
                            options.throughputTime().toMillis(),
                            options.throughputWarmup().toMillis());
                    throughput.add(ThroughputRun.run(
                            target,
                            clients,
                            options.throughputWarmup(),
                            options.throughputTime(),
                            target == direct ? () -> 0 : stack.usageStream()::pendingCount));
                    drainUsage.run();
                }
            }
            return new BenchmarkResult(
                    options,
                    machine,
                    startedAt,
                    Duration.ofNanos(System.nanoTime() - began),
                    loadBefore,
                    ProcessStats.loadAverage(),
                    latency,
                    cpu,
                    throughput,
                    sequentialErrors.count(),
                    sequentialErrors.reasons(),
                    reconnects);
        }
    }

    /**
     * Runs a soak (see {@link SoakRun}); prints its report and exits 4 if an interval completed no stream, 1 if the
     * run itself failed.
     */
    private static void soakMain(String[] args) {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(SoakOptions.USAGE);
            System.exit(2);
            return;
        }
        startWatchdog(options.timeLimit());
        int status;
        try {
            SoakRun.Result result = soak(options, System.err);
            System.out.print(result.toMarkdown());
            System.out.flush();
            status = result.stalledIntervals() > 0 ? 4 : 0;
        } catch (Exception e) {
            System.err.println("soak failed: " + e);
            e.printStackTrace(System.err);
            status = 1;
        }
        System.exit(status);
    }

    /**
     * The dev stack's settings a run may change from the shell, for comparing strategies on one machine:
     * {@code SLUICE_QUOTA_LEASES} (on by default) and {@code SLUICE_COUNTER_SHARDS}. Nothing else of the shell's
     * environment reaches the stack, so a run measures the stack as shipped.
     */
    static Map<String, String> stackEnvironment() {
        Map<String, String> env = new java.util.HashMap<>();
        for (String name : List.of("SLUICE_QUOTA_LEASES", "SLUICE_COUNTER_SHARDS")) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        return Map.copyOf(env);
    }

    /** Starts a dev stack and fake upstream, soaks one gateway target, stops both. */
    public static SoakRun.Result soak(SoakOptions options, PrintStream progress) throws IOException {
        useBenchLogging();
        try (FakeUpstream upstream = FakeUpstream.start();
                DevStack stack = DevStack.start(
                        DevOptions.defaults(stackEnvironment()).withPorts(0, 0).withDemoDelay(Duration.ZERO));
                StackGauges gauges = StackGauges.of(stack)) {
            GatewayKeys keys = prepare(upstream, stack, options.chunks());
            Target target = Target.streamingChat(
                    options.target(),
                    URI.create(stack.routerUrl() + "/v1"),
                    keys.of(options.target()),
                    ALIAS,
                    options.chunks());
            progress.printf(
                    "soak: %s, %d clients, %d s, a line every %d ms%n",
                    target.name(),
                    options.clients(),
                    options.duration().toSeconds(),
                    options.interval().toMillis());
            Path dumps = Files.isDirectory(Path.of("bench", "target"))
                    ? Path.of("bench", "target")
                    : Path.of(System.getProperty("java.io.tmpdir"));
            return SoakRun.run(options, target, gauges, dumps, progress);
        }
    }

    /**
     * Points the upstream and the route at each other, creates the limited tenant and one key per gateway target;
     * returns the keys. The route is priced ({@link DevStack#DEMO_PRICING}) so the budgets of the all-limits target
     * count money.
     */
    private static GatewayKeys prepare(FakeUpstream upstream, DevStack stack, int chunks) {
        routeToUpstream(upstream, stack, chunks);
        new DynamoDbTenantRepository(stack.dynamo(), stack.tables().tenants())
                .put(new Tenant(LIMITED_TENANT, "bench, every limit", Tenant.Status.ACTIVE, Set.of(), ALL_LIMITS));
        return new GatewayKeys(
                DevStack.createKey(stack.keys(), OPEN_TENANT, GATEWAY_NO_LIMITS, Limits.NONE),
                DevStack.createKey(stack.keys(), OPEN_TENANT, GATEWAY_RPM, Limits.requestsPerMinute(RPM_LIMIT)),
                DevStack.createKey(stack.keys(), LIMITED_TENANT, GATEWAY_ALL_LIMITS, ALL_LIMITS));
    }

    /**
     * Makes the upstream stream {@code chunks} content pieces with usage, and puts the route {@value #ALIAS} →
     * {@code openai-compatible} → the upstream, priced like the demo model, with the default cache policy. Call before
     * the first request: the router caches routes, keys and tenants for 2 s.
     */
    static void routeToUpstream(FakeUpstream upstream, DevStack stack, int chunks) {
        upstream.streamContent(content(chunks));
        upstream.reportUsage(PROMPT_TOKENS, chunks);
        stack.routes()
                .put(new Route(
                        ALIAS,
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                UPSTREAM_MODEL,
                                upstream.baseUrl().toString(),
                                null,
                                DevStack.DEMO_PRICING,
                                null))));
    }

    /**
     * Fails the run unless each gateway target took the quota path it is meant to measure: no counter item for the
     * no-limits key, requests counted for the RPM key, and money counted (settled) on both the all-limits key and its
     * tenant. Waits (bounded) for the last settlements, which the router writes after {@code [DONE]}.
     */
    private static void checkCounters(DevStack stack, GatewayKeys keys) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String problem;
        do {
            problem = counterProblem(stack, keys);
            if (problem == null) {
                return;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("the gateway targets did not take their quota paths: " + problem);
    }

    private static String counterProblem(DevStack stack, GatewayKeys keys) {
        // Counter items are keyed by scope: "key#<key id>", "tenant#<tenant id>".
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        stack.dynamo()
                .scanPaginator(b -> b.tableName(stack.tables().counters()))
                .items()
                .forEach(item -> {
                    AttributeValue counter = item.get("counter");
                    if (counter != null && counter.s() != null) {
                        items.put(counter.s(), item);
                    }
                });
        String noLimits = "key#" + keyId(keys.noLimits());
        if (items.containsKey(noLimits)) {
            return GATEWAY_NO_LIMITS + " wrote a counter item";
        }
        if (number(items.get("key#" + keyId(keys.rpm())), "rq") <= 0) {
            return GATEWAY_RPM + " counted no request";
        }
        if (items.containsKey("tenant#" + OPEN_TENANT)) {
            return "the tenant without a record has a counter item";
        }
        for (String scope : List.of("key#" + keyId(keys.allLimits()), "tenant#" + LIMITED_TENANT)) {
            Map<String, AttributeValue> item = items.get(scope);
            if (number(item, "rq") <= 0
                    || number(item, "tk") <= 0
                    || number(item, "dc") <= 0
                    || number(item, "mc") <= 0) {
                return GATEWAY_ALL_LIMITS + " counted no requests, tokens or money on " + scope + ": " + item;
            }
        }
        return null;
    }

    private static long number(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item == null ? null : item.get(attribute);
        return value == null || value.n() == null ? -1 : Long.parseLong(value.n());
    }

    private static String keyId(String key) {
        return ApiKeys.keyIdFor(ApiKeys.sha256Hex(key));
    }

    /** The plain API key of each gateway target. */
    record GatewayKeys(String noLimits, String rpm, String allLimits) {
        String of(String target) {
            return switch (target) {
                case GATEWAY_NO_LIMITS -> noLimits;
                case GATEWAY_RPM -> rpm;
                case GATEWAY_ALL_LIMITS -> allLimits;
                default -> throw new IllegalArgumentException("not a gateway target: " + target);
            };
        }
    }

    /** Content pieces of about a token each: " w0", " w1", ... */
    static List<String> content(int chunks) {
        List<String> pieces = new ArrayList<>(chunks);
        for (int i = 0; i < chunks; i++) {
            pieces.add(" w" + i);
        }
        return pieces;
    }

    /** Waits (bounded) until the in-process usage stream has handed every event to the aggregator. */
    private static void awaitUsageDelivered(DevStack stack) {
        long deadline = System.nanoTime() + USAGE_DRAIN_LIMIT.toNanos();
        while (stack.usageStream().pendingCount() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    /** Warnings and errors only, on stderr, so stdout carries nothing but the report. */
    static void useBenchLogging() {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "bench-log4j2.xml");
        }
    }

    /** The last resort that makes a stuck run end by itself: every phase is bounded, this bounds their sum. */
    static void startWatchdog(Duration limit) {
        Thread.ofPlatform().daemon().name("bench-watchdog").start(() -> {
            try {
                Thread.sleep(limit);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("benchmark exceeded its time limit of " + limit.toSeconds() + " s; stopping");
            Runtime.getRuntime().halt(3);
        });
    }
}
