package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.testing.StreamHold;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.event.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream that stalls in the middle of a stream, through the whole pipeline: the stream ends with the error event
 * within the deployment's idle timeout (no {@code [DONE]}), the partial answer is billed, and nothing waits for the
 * upstream to resume.
 */
class StalledStreamIT {
    private static final Duration IDLE = Duration.ofMillis(400);

    private final InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
    private FakeUpstream upstream;
    private StreamHold hold;
    private GatewayPipeline pipeline;
    private String key;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        hold = upstream.holdAfterFirstContent();
        InMemoryRouteRepository routes = new InMemoryRouteRepository();
        routes.put(new Route(
                "stalls",
                List.of(new Deployment(
                        OpenAiCompatibleProvider.TYPE,
                        "gpt-stalls",
                        upstream.baseUrl().toString(),
                        "upstream",
                        Pricing.FREE,
                        Duration.ofSeconds(5),
                        Map.of(),
                        IDLE))));
        routes.put(new Route(
                "stalls-then-demo",
                List.of(
                        new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                "gpt-stalls",
                                upstream.baseUrl().toString(),
                                "upstream",
                                Pricing.FREE,
                                Duration.ofSeconds(5),
                                Map.of(),
                                IDLE),
                        new Deployment(DemoProvider.TYPE, "demo-1", null, null, Pricing.FREE, null))));
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), "t", "k", Set.of(), Limits.NONE));
        Clock clock = Clock.systemUTC();
        pipeline = new GatewayPipeline(
                new Authenticator(keys, new InMemoryTenantRepository(), clock),
                new RouteResolver(routes),
                new Admitter(new InMemoryQuotaLedger(), clock),
                new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-upstream")),
                new ProviderRegistry(
                        List.of(new OpenAiCompatibleProvider(Duration.ofSeconds(2)), new DemoProvider(Duration.ZERO))),
                usage,
                clock,
                System::nanoTime);
    }

    @Test
    void aStreamThatStallsBeforeAnythingReachedTheClient_failsOverToTheNextDeployment() throws Exception {
        hold.release();
        hold = upstream.holdAfterFirstChunk(); // the role chunk only: nothing the client has seen
        RecordingChannel channel = new RecordingChannel();

        pipeline.chatCompletions(
                new GatewayRequest("req_stall_first", "Bearer " + key, null, """
                        {"model":"stalls-then-demo","stream":true,"messages":[{"role":"user","content":"hi"}]}""".getBytes(StandardCharsets.UTF_8)),
                channel);

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.bodyText()).contains("{\"content\":\" Sluice\"}").endsWith("data: [DONE]\n\n");
        assertThat(usage.events())
                .singleElement()
                .satisfies(event -> assertThat(event.upstreamModel()).isEqualTo("demo-1"));
    }

    @AfterEach
    void stop() {
        hold.release();
        upstream.close();
    }

    @Test
    void aStreamThatStallsAfterItsFirstContent_endsWithTheErrorEvent_withinTheIdleTimeout() throws Exception {
        RecordingChannel channel = new RecordingChannel();
        long started = System.nanoTime();

        pipeline.chatCompletions(
                new GatewayRequest("req_stall", "Bearer " + key, null, """
                        {"model":"stalls","stream":true,"messages":[{"role":"user","content":"hi"}]}""".getBytes(StandardCharsets.UTF_8)), channel);

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(hold.isHeld())
                .as("the upstream was still holding its stream")
                .isTrue();
        assertThat(millis).isBetween(IDLE.toMillis(), IDLE.toMillis() + 2_000);
        String body = channel.bodyText();
        assertThat(body).contains("\"content\":\"Hello\"").contains("\"code\":\"upstream_timeout\"");
        assertThat(body).doesNotContain("[DONE]");
        assertThat(usage.events()).singleElement().satisfies(event -> {
            assertThat(event.status()).isEqualTo(UsageEvent.UPSTREAM_ERROR);
            assertThat(event.completionTokens()).isPositive();
        });
    }
}
