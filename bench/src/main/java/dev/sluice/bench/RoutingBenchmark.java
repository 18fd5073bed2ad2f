package dev.sluice.bench;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.call.DeploymentPlanner;
import dev.sluice.health.BreakerPolicy;
import dev.sluice.health.HealthBoard;
import dev.sluice.health.InMemoryHealthStore;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.pipeline.GatewayRequest;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.RequestTraits;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.usage.InMemoryUsagePublisher;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What routing costs and how fast it routes around a failure, in one process on loopback:
 *
 * <ol>
 *   <li>per strategy, the planning and breaker work of one request (a plan, a {@code tryAcquire} and an
 *       {@code onSuccess}) over a route of three deployments: nanoseconds and bytes allocated per request;
 *   <li>failover delay: the time a request loses when its first deployment is dead (connection refused), answers 503,
 *       or never sends a first byte (1 s timeout), before and after the breaker opened — through the whole pipeline
 *       against fake OpenAI-compatible upstreams.
 * </ol>
 *
 * Loops are bounded in count; the run takes under a minute. {@code bench/routing.sh > routing.md}.
 */
public final class RoutingBenchmark {
    private static final int PLANS = 1_000_000;
    private static final int WARM_UP_PLANS = 300_000;
    private static final int REQUESTS_PER_CASE = 40;

    private RoutingBenchmark() {}

    public static void main(String[] args) throws Exception {
        StringBuilder report = new StringBuilder();
        Machine machine = Machine.current();
        report.append("# Routing benchmark\n\n")
                .append(machine.cpuModel())
                .append(", ")
                .append(machine.processors())
                .append(" cores, Java ")
                .append(machine.java())
                .append("\n\n");
        report.append("## Routing cost per request (plan + breaker check + report), 3 deployments\n\n");
        report.append("| strategy | ns per request | bytes allocated per request |\n|---|---|---|\n");
        for (RoutingStrategy strategy : RoutingStrategy.values()) {
            long[] figures = planCost(strategy);
            report.append("| `")
                    .append(strategy.wireName())
                    .append("` | ")
                    .append(figures[0])
                    .append(" | ")
                    .append(figures[1])
                    .append(" |\n");
        }
        report.append("\n## Failover delay (whole pipeline, loopback, non-streamed requests)\n\n");
        report.append("The added time is the request's latency minus the healthy baseline's median.\n\n");
        report.append(
                "| first deployment | requests that tried it before its breaker opened | added p50 while it was tried (ms)"
                        + " | added p50 once open (ms) |\n|---|---|---|---|\n");
        failoverDelay(report);
        System.out.println(report);
    }

    private static long[] planCost(RoutingStrategy strategy) {
        HealthBoard health = HealthBoard.local();
        List<Deployment> deployments = List.of(
                deployment("a", 1, new Pricing(150_000, 600_000, 0)),
                deployment("b", 2, new Pricing(250_000, 1_000_000, 0)),
                deployment("c", 1, new Pricing(100_000, 2_000_000, 0)));
        for (Deployment d : deployments) {
            for (int i = 0; i < 20; i++) {
                health.onSuccess(d, ThreadLocalRandom.current().nextLong(50_000_000, 400_000_000));
            }
        }
        Route route = new Route("bench", deployments, RetryPolicy.DEFAULT, strategy, List.of(), null);
        DeploymentPlanner planner = new DeploymentPlanner(health, ThreadLocalRandom.current());
        RequestTraits traits = RequestTraits.ofPrompt(1_200, "bench");
        long sink = 0;
        for (int i = 0; i < WARM_UP_PLANS; i++) {
            sink += oneRequest(planner, health, route, traits);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long bytesBefore = threads.getThreadAllocatedBytes(thread);
        long started = System.nanoTime();
        for (int i = 0; i < PLANS; i++) {
            sink += oneRequest(planner, health, route, traits);
        }
        long nanos = System.nanoTime() - started;
        long bytes = threads.getThreadAllocatedBytes(thread) - bytesBefore;
        if (sink == 42) {
            System.err.println("(unlikely)");
        }
        return new long[] {nanos / PLANS, bytes / PLANS};
    }

    private static long oneRequest(DeploymentPlanner planner, HealthBoard health, Route route, RequestTraits traits) {
        DeploymentPlanner.Plan plan = planner.plan(route, traits, 256);
        Deployment first = plan.order().getFirst();
        if (health.tryAcquire(first)) {
            health.onSuccess(first, 120_000_000);
        }
        return plan.order().size();
    }

    private static Deployment deployment(String model, int weight, Pricing pricing) {
        return new Deployment("openai", model, null, null, pricing, null).withPlacement(weight, 0);
    }

    private static void failoverDelay(StringBuilder report) throws Exception {
        try (FakeUpstream healthy = FakeUpstream.start()) {
            long baseline = baselineMillis(healthy);
            report.append("| (healthy, baseline ")
                    .append(String.format("%.2f", baseline / 1e6))
                    .append(" ms p50) | - | - | - |\n");
            try (FakeUpstream dead = FakeUpstream.start()) {
                Deployment deadDeployment = at(dead, "dead", Duration.ofSeconds(5));
                dead.close();
                report.append(failoverCase("dead (connection refused)", deadDeployment, healthy, baseline));
            }
            try (FakeUpstream failing = FakeUpstream.start()) {
                failing.failWith(503, FakeUpstream.openAiError("overloaded", "server_error", null));
                report.append(
                        failoverCase("answers 503", at(failing, "failing", Duration.ofSeconds(5)), healthy, baseline));
            }
            try (FakeUpstream silent = FakeUpstream.start()) {
                silent.delayFirstByte(Duration.ofSeconds(30));
                report.append(failoverCase(
                        "no first byte (1 s timeout)", at(silent, "silent", Duration.ofSeconds(1)), healthy, baseline));
            }
        }
    }

    private static long baselineMillis(FakeUpstream healthy) {
        Samples samples = new Samples(REQUESTS_PER_CASE);
        GatewayPipeline pipeline = pipeline(new Route("bench", List.of(at(healthy, "healthy", Duration.ofSeconds(5)))));
        for (int i = 0; i < REQUESTS_PER_CASE * 2; i++) {
            long started = System.nanoTime();
            send(pipeline);
            if (i >= REQUESTS_PER_CASE) {
                samples.add(System.nanoTime() - started);
            }
        }
        return samples.percentiles().p50();
    }

    private static String failoverCase(String name, Deployment first, FakeUpstream healthy, long baselineNanos) {
        GatewayPipeline pipeline =
                pipeline(new Route("bench", List.of(first, at(healthy, "healthy", Duration.ofSeconds(5)))));
        Samples whileTried = new Samples(8);
        Samples onceOpen = new Samples(REQUESTS_PER_CASE);
        for (int i = 0; i < REQUESTS_PER_CASE; i++) {
            long started = System.nanoTime();
            int attempts = send(pipeline);
            long added = Math.max(0, System.nanoTime() - started - baselineNanos);
            (attempts > 1 ? whileTried : onceOpen).add(added);
        }
        return "| " + name + " | " + whileTried.count() + " | " + millis(whileTried) + " | " + millis(onceOpen)
                + " |\n";
    }

    private static String millis(Samples samples) {
        long p50 = samples.percentiles().p50();
        return p50 < 0 ? "-" : String.format("%.2f", p50 / 1e6);
    }

    private static Deployment at(FakeUpstream upstream, String model, Duration timeout) {
        return new Deployment(
                OpenAiCompatibleProvider.TYPE,
                model,
                upstream.baseUrl().toString(),
                "upstream",
                Pricing.FREE,
                timeout,
                Map.of(),
                Duration.ofSeconds(5));
    }

    private static final String KEY = ApiKeys.newKey();

    private static GatewayPipeline pipeline(Route route) {
        InMemoryRouteRepository routes = new InMemoryRouteRepository();
        routes.put(route);
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        String hash = ApiKeys.sha256Hex(KEY);
        keys.put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), "bench", "k", Set.of(), Limits.NONE));
        Clock clock = Clock.systemUTC();
        return new GatewayPipeline(
                new Authenticator(keys, new InMemoryTenantRepository(), clock),
                new RouteResolver(routes),
                new Admitter(new InMemoryQuotaLedger(), clock),
                new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-bench")),
                new ProviderRegistry(List.of(new OpenAiCompatibleProvider(Duration.ofSeconds(2)))),
                new InMemoryUsagePublisher(),
                clock,
                System::nanoTime,
                new HealthBoard(new InMemoryHealthStore(), BreakerPolicy.DEFAULT, System::currentTimeMillis),
                CacheStores.NONE,
                null);
    }

    /** One non-streamed chat request; the attempts it took. */
    private static int send(GatewayPipeline pipeline) {
        int[] attempts = {0};
        ResponseChannel channel = new ResponseChannel() {
            @Override
            public void sendJson(int status, Map<String, String> headers, byte[] body) {
                if (status != 200) {
                    throw new IllegalStateException(
                            "status " + status + ": " + new String(body, StandardCharsets.UTF_8));
                }
                attempts[0] = Integer.parseInt(headers.getOrDefault("x-sluice-attempts", "1"));
            }

            @Override
            public OutputStream startStream(int status, Map<String, String> headers) {
                throw new IllegalStateException("not streamed");
            }
        };
        pipeline.chatCompletions(
                new GatewayRequest(
                        "req_bench",
                        "Bearer " + KEY,
                        null,
                        "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                                .getBytes(StandardCharsets.UTF_8)),
                channel);
        return attempts[0];
    }
}
