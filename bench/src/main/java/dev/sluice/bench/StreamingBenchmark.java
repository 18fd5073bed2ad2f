package dev.sluice.bench;

import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.testing.FakeUpstream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures what the local gateway adds to a streamed chat completion, against the same loopback fake upstream called
 * directly: latency (time to the first {@code data:} line and to {@code [DONE]}), CPU per request, throughput at a
 * few concurrencies, and memory under the largest. Prints the results as Markdown on stdout; progress goes to
 * stderr. See {@code bench/README.md}.
 *
 * <p>The gateway is the dev stack ({@link DevStack}): DynamoDB Local, the router and the in-process usage pipeline.
 * Its key has a (large) requests-per-minute limit so every request takes the quota path: one conditional
 * {@code UpdateItem} in DynamoDB Local.
 */
public final class StreamingBenchmark {
    static final long RPM_LIMIT = 1_000_000;
    static final String ALIAS = "bench";
    static final String UPSTREAM_MODEL = "bench-upstream-1";
    static final int PROMPT_TOKENS = 19;
    static final String DIRECT = "direct";
    static final String GATEWAY = "gateway";
    static final String GATEWAY_NO_QUOTA = "gateway-no-quota";
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
                        DevOptions.defaults(Map.of()).withPorts(0, 0).withDemoDelay(Duration.ZERO))) {
            String key = prepare(upstream, stack, options.chunks());
            Target gateway =
                    Target.streamingChat(GATEWAY, URI.create(stack.routerUrl() + "/v1"), key, ALIAS, options.chunks());
            // The demo key has no RPM limit: the same path without the quota write, to show what that write costs.
            Target gatewayNoQuota = Target.streamingChat(
                    GATEWAY_NO_QUOTA, URI.create(stack.routerUrl() + "/v1"), stack.demoKey(), ALIAS, options.chunks());
            Target direct = Target.streamingChat(DIRECT, upstream.baseUrl(), null, UPSTREAM_MODEL, options.chunks());
            List<Target> targets = List.of(direct, gateway, gatewayNoQuota);
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
                for (Target target : List.of(direct, gateway, gatewayNoQuota)) {
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

    /** Starts a dev stack and fake upstream, soaks one gateway target, stops both. */
    public static SoakRun.Result soak(SoakOptions options, PrintStream progress) throws IOException {
        useBenchLogging();
        try (FakeUpstream upstream = FakeUpstream.start();
                DevStack stack = DevStack.start(
                        DevOptions.defaults(Map.of()).withPorts(0, 0).withDemoDelay(Duration.ZERO));
                StackGauges gauges = StackGauges.of(stack)) {
            String key = prepare(upstream, stack, options.chunks());
            Target target = Target.streamingChat(
                    options.target(),
                    URI.create(stack.routerUrl() + "/v1"),
                    options.target().equals(GATEWAY) ? key : stack.demoKey(),
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

    /** Points the upstream and the route at each other and creates the RPM-limited key; returns that key. */
    private static String prepare(FakeUpstream upstream, DevStack stack, int chunks) {
        upstream.streamContent(content(chunks));
        upstream.reportUsage(PROMPT_TOKENS, chunks);
        // Before the first request: the router caches routes and keys for 2 s.
        stack.routes()
                .put(new Route(
                        ALIAS,
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                UPSTREAM_MODEL,
                                upstream.baseUrl().toString(),
                                null,
                                Pricing.FREE,
                                null))));
        return DevStack.createKey(stack.keys(), "bench", "bench", Limits.requestsPerMinute(RPM_LIMIT));
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
    private static void useBenchLogging() {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "bench-log4j2.xml");
        }
    }

    /** The last resort that makes a stuck run end by itself: every phase is bounded, this bounds their sum. */
    private static void startWatchdog(Duration limit) {
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
