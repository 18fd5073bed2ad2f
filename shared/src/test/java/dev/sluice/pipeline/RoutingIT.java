package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.health.BreakerPolicy;
import dev.sluice.health.BreakerState;
import dev.sluice.health.HealthBoard;
import dev.sluice.health.HealthStore;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.route.RouteRule;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.store.DynamoDbHealthStore;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.usage.InMemoryUsagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Routing and resilience through the whole pipeline, against fake upstreams speaking OpenAI's wire format: a deployment
 * killed behind an alias costs the client nothing, its breaker opens, probes it after the cool-down and closes when it
 * is back; a second instance learns of the open breaker through DynamoDB Local; rules and the context fallback pick
 * other aliases; the latency strategy follows the faster deployment.
 */
class RoutingIT {
    private static final BreakerPolicy QUICK = new BreakerPolicy(
            3,
            0.5,
            10,
            Duration.ofSeconds(30),
            Duration.ofMillis(500),
            1,
            Duration.ofMillis(100),
            Duration.ofSeconds(60));

    private final List<FakeUpstream> upstreams = new ArrayList<>();
    private final InMemoryRouteRepository routes = new InMemoryRouteRepository();
    private final InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
    private final String key = ApiKeys.newKey();

    @AfterEach
    void stop() {
        upstreams.forEach(FakeUpstream::close);
    }

    private FakeUpstream upstream() {
        FakeUpstream upstream = FakeUpstream.start();
        upstreams.add(upstream);
        return upstream;
    }

    private static Deployment at(FakeUpstream upstream, String model) {
        return new Deployment(
                OpenAiCompatibleProvider.TYPE,
                model,
                upstream.baseUrl().toString(),
                "upstream",
                Pricing.FREE,
                Duration.ofSeconds(5),
                Map.of(),
                Duration.ofSeconds(5));
    }

    private GatewayPipeline pipeline(HealthBoard health) {
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        String hash = ApiKeys.sha256Hex(key);
        if (keys.findByHash(hash).isEmpty()) {
            keys.put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), "acme", "k", Set.of(), Limits.NONE));
        }
        Clock clock = Clock.systemUTC();
        return new GatewayPipeline(
                new Authenticator(keys, new InMemoryTenantRepository(), clock),
                new RouteResolver(routes),
                new Admitter(new InMemoryQuotaLedger(), clock),
                new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-upstream")),
                new ProviderRegistry(
                        List.of(new OpenAiCompatibleProvider(Duration.ofSeconds(2)), new DemoProvider(Duration.ZERO))),
                usage,
                clock,
                System::nanoTime,
                health,
                CacheStores.NONE,
                null);
    }

    private static HealthBoard board(HealthStore shared) {
        return new HealthBoard(shared, QUICK, System::currentTimeMillis);
    }

    /** A cool-down no slow machine outlasts, where a test must see the breaker still open. */
    private static HealthBoard patientBoard(HealthStore shared) {
        return new HealthBoard(
                shared,
                new BreakerPolicy(
                        3,
                        0.5,
                        10,
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(60),
                        1,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(60)),
                System::currentTimeMillis);
    }

    private RecordingChannel chat(GatewayPipeline pipeline, String body) {
        return chat(pipeline, body, null);
    }

    private RecordingChannel chat(GatewayPipeline pipeline, String body, String tags) {
        RecordingChannel channel = new RecordingChannel();
        pipeline.chatCompletions(
                new GatewayRequest(
                        "req_" + System.nanoTime(),
                        "Bearer " + key,
                        null,
                        null,
                        null,
                        body.getBytes(StandardCharsets.UTF_8),
                        tags),
                channel);
        return channel;
    }

    private static String ask(String alias) {
        return "{\"model\":\"" + alias + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void aKilledDeployment_costsTheClientNothing_opensItsBreaker_andTakesTrafficBackAfterItRecovers() throws Exception {
        FakeUpstream first = upstream();
        FakeUpstream second = upstream();
        Deployment a = at(first, "model-a");
        routes.put(new Route("pair", List.of(a, at(second, "model-b"))));
        HealthBoard health = board(new dev.sluice.health.InMemoryHealthStore());
        GatewayPipeline pipeline = pipeline(health);

        first.close(); // killed: connections refused from now on
        List<String> attempts = new ArrayList<>();
        long failedOverNanos = 0;
        for (int i = 0; i < 10; i++) {
            long started = System.nanoTime();
            RecordingChannel channel = chat(pipeline, ask("pair"));
            failedOverNanos = Math.max(failedOverNanos, System.nanoTime() - started);
            assertThat(channel.status).isEqualTo(200);
            assertThat(channel.bodyText()).endsWith("data: [DONE]\n\n");
            assertThat(channel.headers).containsEntry("x-sluice-deployment", "openai-compatible/model-b");
            attempts.add(channel.headers.get("x-sluice-attempts"));
        }
        // Three failures open the breaker: from then on the dead deployment is not even tried.
        assertThat(attempts).containsExactly("2", "2", "2", "1", "1", "1", "1", "1", "1", "1");
        assertThat(health.snapshot(a).state()).isEqualTo(BreakerState.OPEN);
        assertThat(chat(pipeline, ask("pair")).headers.get("x-sluice-route-reason"))
                .contains("skipped open openai-compatible/model-a");

        FakeUpstream back = FakeUpstream.restartOn(first.baseUrl());
        upstreams.add(back);
        Thread.sleep(QUICK.coolDown().toMillis() + 50);
        RecordingChannel probe = chat(pipeline, ask("pair"));
        assertThat(probe.headers).containsEntry("x-sluice-deployment", "openai-compatible/model-a");
        assertThat(health.snapshot(a).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(chat(pipeline, ask("pair")).headers)
                .containsEntry("x-sluice-attempts", "1")
                .containsEntry("x-sluice-deployment", "openai-compatible/model-a");
        assertThat(failedOverNanos)
                .as("a refused connection fails over at once")
                .isLessThan(2_000_000_000L);
    }

    @Test
    void everyBreakerOpen_answers503AtOnce_withRetryAfter() {
        FakeUpstream only = upstream();
        only.failWith(503, FakeUpstream.openAiError("down", "server_error", null));
        routes.put(new Route("solo", List.of(at(only, "model-a"))));
        GatewayPipeline pipeline = pipeline(patientBoard(new dev.sluice.health.InMemoryHealthStore()));

        for (int i = 0; i < 3; i++) {
            assertThat(chat(pipeline, ask("solo")).status).isEqualTo(503);
        }
        long before = only.requestCount();
        RecordingChannel refused = chat(pipeline, ask("solo"));

        assertThat(refused.status).isEqualTo(503);
        assertThat(refused.headers).containsKey("Retry-After");
        assertThat(refused.bodyText()).contains("Every deployment of 'solo' is failing");
        assertThat(only.requestCount()).isEqualTo(before);
    }

    @Test
    void aSecondInstance_seesTheOpenBreakerThroughDynamoDb_andNeverTriesTheDeadDeployment() {
        DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("routing") + "-");
        SluiceTables.createAll(dynamo, tables);
        FakeUpstream dead = upstream();
        dead.failWith(503, FakeUpstream.openAiError("down", "server_error", null));
        FakeUpstream alive = upstream();
        routes.put(new Route("pair", List.of(at(dead, "model-a"), at(alive, "model-b"))));

        GatewayPipeline one = pipeline(patientBoard(new DynamoDbHealthStore(dynamo, tables.counters())));
        for (int i = 0; i < 3; i++) {
            assertThat(chat(one, ask("pair")).status).isEqualTo(200);
        }
        long deadCalls = dead.requestCount();

        GatewayPipeline two = pipeline(
                patientBoard(new DynamoDbHealthStore(LocalDynamoDb.shared().newClient(), tables.counters())));
        RecordingChannel first = chat(two, ask("pair"));

        assertThat(first.status).isEqualTo(200);
        assertThat(first.headers).containsEntry("x-sluice-attempts", "1");
        assertThat(dead.requestCount()).isEqualTo(deadCalls);
    }

    @Test
    void rules_sendMatchingRequestsToOtherAliases_inOrder() {
        FakeUpstream upstream = upstream();
        routes.put(new Route("long", List.of(at(upstream, "long-context"))));
        routes.put(new Route("vision", List.of(at(upstream, "vision"))));
        routes.put(new Route("batch", List.of(at(upstream, "cheap"))));
        routes.put(new Route("structured", List.of(at(upstream, "json"))));
        routes.put(new Route("tooling", List.of(at(upstream, "tools"))));
        routes.put(new Route("acme-only", List.of(at(upstream, "acme"))));
        routes.put(new Route(
                "smart",
                List.of(at(upstream, "default")),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(
                        new RouteRule("long", 2_000L, null, null, null, null, null, null),
                        new RouteRule("vision", null, null, true, null, null, null, null),
                        new RouteRule("batch", null, null, null, null, null, Set.of("batch"), null),
                        new RouteRule("structured", null, null, null, null, true, null, null),
                        new RouteRule("tooling", null, null, null, true, null, null, null),
                        new RouteRule("acme-only", null, 10L, null, null, null, null, Set.of("acme"))),
                null));
        GatewayPipeline pipeline = pipeline(board(new dev.sluice.health.InMemoryHealthStore()));

        String longPrompt = "word ".repeat(3_000);
        assertThat(served(chat(
                        pipeline,
                        "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}")))
                .isEqualTo("long-context");
        assertThat(served(chat(pipeline, """
                {"model":"smart","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},
                 {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}"""))).isEqualTo("vision");
        assertThat(served(chat(pipeline, ask("smart"), "nightly, batch"))).isEqualTo("cheap");
        assertThat(served(chat(pipeline, """
                {"model":"smart","response_format":{"type":"json_object"},
                 "messages":[{"role":"user","content":"json please"}]}"""))).isEqualTo("json");
        assertThat(served(chat(pipeline, """
                {"model":"smart","tools":[{"type":"function","function":{"name":"f","parameters":{}}}],
                 "messages":[{"role":"user","content":"call f"}]}"""))).isEqualTo("tools");
        assertThat(served(chat(pipeline, ask("smart")))).isEqualTo("acme"); // tenant acme, a short prompt
        assertThat(served(chat(
                        pipeline,
                        "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\""
                                + "a question of more than ten tokens, which no rule matches at all" + "\"}]}")))
                .isEqualTo("default");
    }

    @Test
    void contextLengthExceeded_retriesOnceOnTheContextFallback_beforeTheFirstByte() {
        FakeUpstream small = upstream();
        small.failWith(
                400,
                FakeUpstream.openAiError(
                        "This model's maximum context length is 8192 tokens.",
                        "invalid_request_error",
                        "context_length_exceeded"));
        FakeUpstream large = upstream();
        routes.put(new Route("large", List.of(at(large, "large-context"))));
        routes.put(new Route(
                "small",
                List.of(at(small, "small-context")),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(),
                "large"));
        GatewayPipeline pipeline = pipeline(board(new dev.sluice.health.InMemoryHealthStore()));

        RecordingChannel channel = chat(pipeline, ask("small"));

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.headers)
                .containsEntry("x-sluice-deployment", "openai-compatible/large-context")
                .containsEntry("x-sluice-attempts", "2");
        assertThat(channel.headers.get("x-sluice-route-reason")).contains("context fallback to large");
        assertThat(usage.events().getLast().upstreamModel()).isEqualTo("large-context");
    }

    @Test
    void latency_sendsAlmostAllTrafficToAFiveTimesFasterDeployment_andFollowsItWhenTheyTradePlaces() {
        FakeUpstream quick = upstream();
        FakeUpstream slow = upstream();
        quick.delayFirstByte(Duration.ofMillis(10));
        slow.delayFirstByte(Duration.ofMillis(50));
        routes.put(new Route(
                "fastest",
                List.of(at(slow, "slow"), at(quick, "quick")),
                RetryPolicy.DEFAULT,
                RoutingStrategy.LATENCY,
                List.of(),
                null));
        GatewayPipeline pipeline = pipeline(board(new dev.sluice.health.InMemoryHealthStore()));

        int toQuick = 0;
        for (int i = 0; i < 200; i++) {
            toQuick += served(chat(pipeline, ask("fastest"))).equals("quick") ? 1 : 0;
        }
        assertThat(toQuick).isGreaterThanOrEqualTo(180);

        quick.delayFirstByte(Duration.ofMillis(50));
        slow.delayFirstByte(Duration.ofMillis(10));
        int toSlowLastHundred = 0;
        for (int i = 0; i < 200; i++) {
            boolean toSlow = served(chat(pipeline, ask("fastest"))).equals("slow");
            toSlowLastHundred += i >= 100 && toSlow ? 1 : 0;
        }
        // The recovered one's stale average is re-measured within a second; then it has about 98% again.
        assertThat(toSlowLastHundred).isGreaterThanOrEqualTo(90);
    }

    @Test
    void guard_redactsAnEmailBeforeTheUpstreamSeesIt_andTheUsageEventCountsIt() {
        FakeUpstream upstream = upstream();
        routes.put(new Route(
                "guarded",
                List.of(at(upstream, "model-a")),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(),
                null,
                dev.sluice.route.CachePolicy.DEFAULT,
                new dev.sluice.guard.GuardPolicy(dev.sluice.guard.GuardPolicy.Mode.REDACT, List.of())));
        GatewayPipeline pipeline = pipeline(board(new dev.sluice.health.InMemoryHealthStore()));

        RecordingChannel channel = chat(pipeline, """
                {"model":"guarded","messages":[{"role":"user","content":"Mail jane.doe@example.com the card 4111 1111 1111 1111"}]}""");

        assertThat(channel.status).isEqualTo(200);
        assertThat(upstream.lastRequest().body())
                .contains("Mail [EMAIL] the card [CARD]")
                .doesNotContain("jane.doe")
                .doesNotContain("4111");
        assertThat(usage.events().getLast().redactions()).isEqualTo(2);
    }

    private static String served(RecordingChannel channel) {
        assertThat(channel.status).as(channel.bodyText()).isEqualTo(200);
        String deployment = channel.headers.get("x-sluice-deployment");
        return deployment.substring(deployment.indexOf('/') + 1);
    }
}
