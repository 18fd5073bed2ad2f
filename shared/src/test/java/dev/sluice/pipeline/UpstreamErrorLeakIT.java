package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.anthropic.AnthropicProvider;
import dev.sluice.provider.gemini.GeminiProvider;
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
import dev.sluice.testing.RecordingChannel;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.testing.Transcripts;
import dev.sluice.usage.InMemoryUsagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An upstream that puts a credential-like canary in every error it sends (status errors, and error events after output
 * began), for every HTTP provider, through the whole pipeline in both inbound dialects, streamed or not: the canary
 * must never reach the client. (Bedrock's exception events are covered at the adapter level by its contract test.)
 */
class UpstreamErrorLeakIT {
    private static final String CANARY = "sk-leak-canary-8f3e1c";
    private static ReplayUpstream upstream;
    private static GatewayPipeline pipeline;
    private static String key;

    @BeforeAll
    static void start() {
        upstream = ReplayUpstream.start();
        String base = upstream.baseUrl().toString();
        InMemoryRouteRepository routes = new InMemoryRouteRepository();
        routes.put(route("openai", OpenAiCompatibleProvider.TYPE, base + "/v1", Map.of()));
        routes.put(route("anthropic", AnthropicProvider.TYPE, base, Map.of("version", "2023-06-01")));
        routes.put(route("gemini", GeminiProvider.TYPE, base + "/v1beta", Map.of()));
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        "t",
                        "k",
                        ApiKey.Role.APP,
                        ApiKey.Status.ACTIVE,
                        Set.of(),
                        Limits.NONE,
                        null));
        Clock clock = Clock.systemUTC();
        Duration connect = Duration.ofSeconds(2);
        pipeline = new GatewayPipeline(
                new Authenticator(keys, new InMemoryTenantRepository(), clock),
                new RouteResolver(routes),
                new Admitter(new InMemoryQuotaLedger(), clock),
                new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-gateway")),
                new ProviderRegistry(List.of(
                        new OpenAiCompatibleProvider(connect),
                        new AnthropicProvider(connect),
                        new GeminiProvider(connect))),
                new InMemoryUsagePublisher(),
                clock,
                System::nanoTime);
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    private static Route route(String alias, String type, String baseUrl, Map<String, String> options) {
        return new Route(
                alias,
                List.of(new Deployment(
                        type, alias + "-model", baseUrl, "upstream", Pricing.FREE, Duration.ofSeconds(5), options)));
    }

    static Stream<Arguments> failures() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int status : new int[] {400, 401, 404, 413, 429, 500, 503, 529}) {
            cases.add(Arguments.of(
                    "openai",
                    status,
                    Reply.json(
                            status,
                            "{\"error\":{\"message\":\"bad key " + CANARY
                                    + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}")));
            cases.add(Arguments.of(
                    "anthropic",
                    status,
                    Reply.json(
                            status,
                            "{\"type\":\"error\",\"error\":{\"type\":" + "\"api_error\",\"message\":\"bad key " + CANARY
                                    + "\"}}")));
            cases.add(Arguments.of(
                    "gemini",
                    status,
                    Reply.json(
                            status,
                            "{\"error\":{\"code\":" + status + ",\"message\":\"bad key " + CANARY
                                    + "\",\"status\":\"UNKNOWN\"}}")));
        }
        cases.add(Arguments.of("openai", 200, Transcripts.sseReply("transcripts/openai/chat-error.sse")));
        cases.add(Arguments.of(
                "anthropic", 200, Transcripts.sseReply("transcripts/anthropic/messages-error-canary.sse")));
        cases.add(Arguments.of("gemini", 200, Transcripts.sseReply("transcripts/gemini/stream-error-canary.sse")));
        return cases.build();
    }

    @ParameterizedTest(name = "{0} upstream {1}")
    @MethodSource("failures")
    void providerErrorText_neverReachesTheClient_inEitherDialect(String alias, int upstreamStatus, Reply reply) {
        upstream.reply(reply.withFrameDelay(Duration.ofMillis(2)));
        for (boolean stream : new boolean[] {true, false}) {
            RecordingChannel openAi = new RecordingChannel();
            pipeline.chatCompletions(
                    request("{\"model\":\"" + alias + "\",\"stream\":" + stream
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                    openAi);
            assertNoCanary(openAi, upstreamStatus);

            RecordingChannel anthropic = new RecordingChannel();
            pipeline.messages(
                    request("{\"model\":\"" + alias + "\",\"stream\":" + stream
                            + ",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                    anthropic);
            assertNoCanary(anthropic, upstreamStatus);
        }
    }

    private static GatewayRequest request(String body) {
        return new GatewayRequest("req_leak", "Bearer " + key, null, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertNoCanary(RecordingChannel channel, int upstreamStatus) {
        assertThat(channel.status).as("answered").isNotZero();
        if (upstreamStatus != 200) {
            assertThat(channel.status).as("an error status").isGreaterThanOrEqualTo(400);
        }
        assertThat(channel.bodyText()).isNotEmpty().doesNotContain(CANARY).doesNotContain("bad key");
        assertThat(channel.headers.toString()).doesNotContain(CANARY);
    }
}
