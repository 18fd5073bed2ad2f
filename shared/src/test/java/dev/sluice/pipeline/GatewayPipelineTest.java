package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.auth.Tenant;
import dev.sluice.error.GatewayException;
import dev.sluice.error.RetriableUpstreamException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.testing.MutableClock;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.event.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GatewayPipelineTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final InMemoryKeyRepository keys = new InMemoryKeyRepository();
    private final InMemoryTenantRepository tenants = new InMemoryTenantRepository();
    private final InMemoryQuotaLedger ledger = new InMemoryQuotaLedger();
    private final InMemoryRouteRepository routes = new InMemoryRouteRepository();
    private final InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
    private final ScriptedProvider scripted = new ScriptedProvider();
    private final AtomicLong nanos = new AtomicLong();
    private GatewayPipeline pipeline;
    private String key;

    @BeforeEach
    void setUp() {
        routes.put(new Route(
                "demo",
                List.of(new Deployment(
                        DemoProvider.TYPE, "demo-1", null, null, new Pricing(1_000_000, 2_000_000, 0), null))));
        routes.put(new Route("scripted", List.of(new Deployment("scripted", "up-1", null, null, Pricing.FREE, null))));
        routes.put(new Route(
                "failover",
                List.of(
                        new Deployment("scripted", "up-1", null, null, Pricing.FREE, null),
                        new Deployment(DemoProvider.TYPE, "demo-backup", null, null, Pricing.FREE, null))));
        routes.put(new Route(
                "failover-to-missing-secret",
                List.of(
                        new Deployment("scripted", "up-1", null, null, Pricing.FREE, null),
                        new Deployment(DemoProvider.TYPE, "demo-backup", null, "missing", Pricing.FREE, null))));
        routes.put(new Route("bad-secret", List.of(new Deployment("scripted", "up-1", null, "bad", null, null))));
        routes.put(new Route("needs-secret", List.of(new Deployment("scripted", "up-1", null, "missing", null, null))));
        key = store("tenant-a", 0);
        pipeline = new GatewayPipeline(
                new Authenticator(keys, tenants, clock),
                new RouteResolver(routes),
                new Admitter(ledger, clock),
                new LocalSecretStore(Map.of("SLUICE_SECRET_BAD", "sk-live-secret\r\nX-Injected: 1")),
                new ProviderRegistry(List.of(new DemoProvider(Duration.ZERO), scripted)),
                usage,
                clock,
                () -> nanos.addAndGet(1_000_000));
    }

    private String store(String tenant, long rpm) {
        String plain = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(plain);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        tenant,
                        "k",
                        ApiKey.Role.APP,
                        ApiKey.Status.ACTIVE,
                        Set.of(),
                        Limits.requestsPerMinute(rpm),
                        null));
        return plain;
    }

    private RecordingChannel call(String body) {
        return call(body, new RecordingChannel());
    }

    private RecordingChannel call(String body, RecordingChannel channel) {
        pipeline.chatCompletions(
                new GatewayRequest("req_1", "Bearer " + key, null, body.getBytes(StandardCharsets.UTF_8)), channel);
        return channel;
    }

    private static String request(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"ping pong\"}]}";
    }

    @Test
    void stream_writesEachChunkAsItsOwnFlush_thenUsage_thenDone_andPublishesOneEvent() throws Exception {
        RecordingChannel channel = call(request("demo", true));

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.headers).containsEntry("Content-Type", "text/event-stream; charset=utf-8");
        List<String> frames = channel.flushes;
        assertThat(frames)
                .allSatisfy(frame -> assertThat(frame).startsWith("data: ").endsWith("\n\n"));
        assertThat(frames.getLast()).isEqualTo("data: [DONE]\n\n");
        JsonNode first = Json.read(frames.getFirst().substring(6));
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("model").asText()).isEqualTo("demo");
        assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode usageChunk = Json.read(frames.get(frames.size() - 2).substring(6));
        assertThat(usageChunk.get("choices")).isEmpty();

        UsageEvent event = usage.events().getFirst();
        assertThat(usage.events()).hasSize(1);
        assertThat(event.status()).isEqualTo(UsageEvent.OK);
        assertThat(event.estimated()).isFalse();
        assertThat(usageChunk.at("/usage/prompt_tokens").asLong()).isEqualTo(event.promptTokens());
        assertThat(usageChunk.at("/usage/completion_tokens").asLong())
                .isEqualTo(event.completionTokens())
                .isEqualTo(frames.size() - 4); // role, finish, usage and [DONE] carry no token
        assertThat(event.costMicros())
                .isEqualTo(new Pricing(1_000_000, 2_000_000, 0)
                        .costMicros(event.promptTokens(), 0, event.completionTokens()));
        assertThat(event.timeToFirstTokenMs()).isPositive();
    }

    @Test
    void nonStream_returnsOneCompletionWithAssembledContentAndUsage() throws Exception {
        RecordingChannel channel = call(request("demo", false));

        assertThat(channel.streamed).isFalse();
        assertThat(channel.status).isEqualTo(200);
        JsonNode completion = Json.read(channel.bodyText());
        assertThat(completion.get("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.at("/choices/0/message/content").asText())
                .startsWith("Hello from the Sluice demo model.")
                .endsWith("You said: ping pong");
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(completion.at("/usage/total_tokens").asLong())
                .isEqualTo(usage.events().getFirst().totalTokens());
    }

    @Test
    void unknownModel_is404ModelNotFound_andPublishesNothing() throws Exception {
        RecordingChannel channel = call(request("gpt-nope", true));

        assertThat(channel.status).isEqualTo(404);
        assertThat(Json.read(channel.bodyText()).at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(usage.events()).isEmpty();
    }

    @Test
    void overRpm_is429WithRetryAfter() throws Exception {
        key = store("tenant-b", 1);
        assertThat(call(request("demo", false)).status).isEqualTo(200);

        RecordingChannel denied = call(request("demo", false));

        assertThat(denied.status).isEqualTo(429);
        assertThat(denied.headers).containsEntry("Retry-After", "60");
        assertThat(Json.read(denied.bodyText()).at("/error/type").asText()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void upstreamErrorBeforeFirstByte_isMappedStatus_andStillBilled() throws Exception {
        scripted.failBeforeOutput =
                new RetriableUpstreamException(503, "upstream_error", "upstream_unavailable", "down", null, 7, null);

        RecordingChannel channel = call(request("scripted", true));

        assertThat(channel.streamed).isFalse();
        assertThat(channel.status).isEqualTo(503);
        assertThat(channel.headers).containsEntry("Retry-After", "7");
        assertThat(usage.events()).singleElement().satisfies(event -> {
            assertThat(event.status()).isEqualTo(UsageEvent.UPSTREAM_ERROR);
            assertThat(event.httpStatus()).isEqualTo(503);
        });
    }

    @Test
    void upstreamFailureMidStream_endsWithErrorEventAndNoDone_andBillsPartialUsage() throws Exception {
        scripted.failAfterOutput = true;

        RecordingChannel channel = call(request("scripted", true));

        assertThat(channel.bodyText()).contains("data: {\"error\":").doesNotContain("[DONE]");
        UsageEvent event = usage.events().getFirst();
        assertThat(event.status()).isEqualTo(UsageEvent.UPSTREAM_ERROR);
        assertThat(event.estimated()).isTrue();
        assertThat(event.completionTokens()).isPositive();
    }

    @Test
    void clientDisconnect_stopsTheRelay_andStillPublishesUsage() {
        RecordingChannel channel = call(request("demo", true), new RecordingChannel(3));

        assertThat(channel.flushes).hasSize(3);
        assertThat(usage.events())
                .singleElement()
                .satisfies(event -> assertThat(event.status()).isEqualTo(UsageEvent.CLIENT_DISCONNECTED));
    }

    @Test
    void missingRouteSecret_is502WithoutNamingTheSecretValue() throws Exception {
        RecordingChannel channel = call(request("needs-secret", false));

        assertThat(channel.status).isEqualTo(502);
        assertThat(Json.read(channel.bodyText()).at("/error/code").asText()).isEqualTo("upstream_credentials_missing");
    }

    @Test
    void unexpectedFailure_isGeneric500WithRequestIdOnly() throws Exception {
        scripted.failBeforeOutput = new IllegalStateException("secret internal detail");

        RecordingChannel channel = call(request("scripted", false));

        assertThat(channel.status).isEqualTo(500);
        assertThat(channel.bodyText()).doesNotContain("secret internal detail").contains("req_1");
    }

    /** A provider whose behaviour each test sets. */
    @Test
    void failover_retriableFailureBeforeOutput_movesToTheNextDeployment() throws Exception {
        scripted.failBeforeOutput =
                new RetriableUpstreamException(503, "upstream_error", "upstream_unavailable", "busy", null, -1, null);
        RecordingChannel channel = call(request("failover", false));

        assertThat(channel.status).isEqualTo(200);
        assertThat(Json.read(channel.bodyText())
                        .at("/choices/0/message/content")
                        .asText())
                .startsWith("Hello from the Sluice demo model.");
        assertThat(usage.events()).singleElement().satisfies(event -> {
            assertThat(event.upstreamModel()).isEqualTo("demo-backup");
            assertThat(event.status()).isEqualTo(UsageEvent.OK);
            assertThat(event.attempts()).isEqualTo(2);
        });
        assertThat(channel.headers)
                .containsEntry("x-sluice-deployment", "demo/demo-backup")
                .containsEntry("x-sluice-attempts", "2");
    }

    @Test
    void failover_clientErrorIsNotRetried() throws Exception {
        scripted.failBeforeOutput = GatewayException.invalidRequest("bad tool schema", "tools");
        RecordingChannel channel = call(request("failover", true));

        assertThat(channel.status).isEqualTo(400);
        assertThat(usage.events())
                .singleElement()
                .satisfies(event -> assertThat(event.upstreamModel()).isEqualTo("up-1"));
    }

    @Test
    void failover_afterOutputReachedTheClient_endsTheStreamInstead() throws Exception {
        scripted.failAfterOutput = true;
        RecordingChannel channel = call(request("failover", true));

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.flushes.getLast()).contains("upstream_connection_failed");
        assertThat(channel.bodyText()).doesNotContain("[DONE]").doesNotContain("demo model");
    }

    @Test
    void embeddings_returnsVectorsInOpenAiFormatAndBillsInputTokens() throws Exception {
        RecordingChannel channel = new RecordingChannel();
        pipeline.embeddings(
                new GatewayRequest("req_e", "Bearer " + key, null, """
                {"model":"demo","input":["alpha","beta gamma"]}""".getBytes(StandardCharsets.UTF_8)), channel);

        assertThat(channel.status).isEqualTo(200);
        JsonNode body = Json.read(channel.bodyText());
        assertThat(body.path("object").asText()).isEqualTo("list");
        assertThat(body.path("data")).hasSize(2);
        assertThat(body.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(body.at("/data/0/embedding")).hasSize(16);
        assertThat(body.path("model").asText()).isEqualTo("demo");
        UsageEvent event = usage.events().getFirst();
        assertThat(body.at("/usage/prompt_tokens").asLong())
                .isEqualTo(event.promptTokens())
                .isPositive();
        assertThat(event.completionTokens()).isZero();
        assertThat(event.costMicros())
                .isEqualTo(new Pricing(1_000_000, 2_000_000, 0).costMicros(event.promptTokens(), 0, 0));
    }

    @Test
    void embeddings_base64MatchesTheFloatVector() throws Exception {
        RecordingChannel floats = new RecordingChannel();
        RecordingChannel base64 = new RecordingChannel();
        pipeline.embeddings(
                new GatewayRequest(
                        "r1",
                        "Bearer " + key,
                        null,
                        "{\"model\":\"demo\",\"input\":\"same text\"}".getBytes(StandardCharsets.UTF_8)),
                floats);
        pipeline.embeddings(
                new GatewayRequest(
                        "r2",
                        "Bearer " + key,
                        null,
                        "{\"model\":\"demo\",\"input\":\"same text\",\"encoding_format\":\"base64\"}"
                                .getBytes(StandardCharsets.UTF_8)),
                base64);
        JsonNode vector = Json.read(floats.bodyText()).at("/data/0/embedding");
        java.nio.FloatBuffer decoded = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder()
                        .decode(Json.read(base64.bodyText())
                                .at("/data/0/embedding")
                                .asText()))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        assertThat(decoded.remaining()).isEqualTo(vector.size());
        for (int i = 0; i < vector.size(); i++) {
            assertThat(decoded.get(i)).isEqualTo(vector.get(i).floatValue());
        }
    }

    @Test
    void embeddings_onAChatOnlyProvider_is400() throws Exception {
        RecordingChannel channel = new RecordingChannel();
        pipeline.embeddings(
                new GatewayRequest(
                        "req_e",
                        "Bearer " + key,
                        null,
                        "{\"model\":\"scripted\",\"input\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
                channel);

        assertThat(channel.status).isEqualTo(400);
        assertThat(Json.read(channel.bodyText()).at("/error/code").asText()).isEqualTo("unsupported_model");
        assertThat(usage.events()).isEmpty();
    }

    @Test
    void messages_streamsAnthropicEventsFromAnOpenAiShapedProvider() throws Exception {
        RecordingChannel channel = new RecordingChannel();
        pipeline.messages(
                new GatewayRequest("req_m", null, key, "2023-06-01", """
                {"model":"demo","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"ping"}]}""".getBytes(StandardCharsets.UTF_8)), channel);

        assertThat(channel.status).isEqualTo(200);
        String body = channel.bodyText();
        assertThat(body)
                .startsWith("event: message_start\n")
                .contains("event: content_block_delta\n")
                .contains("\"stop_reason\":\"end_turn\"")
                .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        assertThat(usage.events())
                .singleElement()
                .satisfies(event -> assertThat(event.status()).isEqualTo("ok"));
    }

    @Test
    void messages_aSpentBudget_isAnthropicsRateLimitError_andNothingIsCalledOrBilled() throws Exception {
        tenants.put(new Tenant("broke", "Broke", Tenant.Status.ACTIVE, Set.of(), new Limits(0, 0, 0, 1, 0)));
        String broke = store("broke", 0);
        routes.put(new Route(
                "priced",
                List.of(new Deployment(
                        DemoProvider.TYPE, "demo-1", null, null, new Pricing(1_000_000, 1_000_000, 0), null))));
        RecordingChannel channel = new RecordingChannel();

        pipeline.messages(
                new GatewayRequest("req_b", null, broke, "2023-06-01", """
                {"model":"priced","max_tokens":64,"messages":[{"role":"user","content":"ping"}]}""".getBytes(StandardCharsets.UTF_8)), channel);

        assertThat(channel.status).isEqualTo(429);
        assertThat(Json.read(channel.bodyText()).at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(Json.read(channel.bodyText()).at("/error/message").asText()).contains("daily budget");
        assertThat(channel.headers).containsEntry("x-should-retry", "false").containsKey("Retry-After");
        assertThat(usage.events()).isEmpty();
    }

    @Test
    void chat_admittedUnderATokenLimit_carriesTheRateLimitHeaders_andTheLoweredMaxTokensReachesTheProvider()
            throws Exception {
        tenants.put(new Tenant("tight", "Tight", Tenant.Status.ACTIVE, Set.of(), new Limits(10, 400, 0, 0, 0)));
        String tight = store("tight", 0);
        RecordingChannel channel = new RecordingChannel();

        pipeline.chatCompletions(
                new GatewayRequest("req_t", "Bearer " + tight, null, """
                {"model":"scripted","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]}""".getBytes(StandardCharsets.UTF_8)), channel);

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.headers)
                .containsEntry("x-ratelimit-limit-requests", "10")
                .containsEntry("x-ratelimit-remaining-requests", "9")
                .containsEntry("x-ratelimit-limit-tokens", "400")
                .containsKey("x-ratelimit-reset-tokens");
        long bodyBytes =
                "{\"model\":\"scripted\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                        .length();
        assertThat(scripted.lastCall.request().body().get("max_tokens").asLong())
                .as("the minute's 400 tokens less the prompt's bound")
                .isEqualTo(400 - bodyBytes);
    }

    @Test
    void messages_errorsUseAnthropicsFormat() throws Exception {
        RecordingChannel channel = new RecordingChannel();
        pipeline.messages(
                new GatewayRequest("req_m", null, "sk-wrong", "2023-06-01", """
                {"model":"demo","max_tokens":64,"messages":[{"role":"user","content":"ping"}]}""".getBytes(StandardCharsets.UTF_8)),
                channel);

        assertThat(channel.status).isEqualTo(401);
        JsonNode error = Json.read(channel.bodyText());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.at("/error/type").asText()).isEqualTo("authentication_error");
    }

    @Test
    void models_retrieveOneAndListInAnthropicsFormatWhenAsked() throws Exception {
        RecordingChannel one = new RecordingChannel();
        pipeline.models().retrieve(new GatewayRequest("r", "Bearer " + key, null, new byte[0]), "demo", one);
        assertThat(Json.read(one.bodyText()).path("object").asText()).isEqualTo("model");
        assertThat(Json.read(one.bodyText()).path("owned_by").asText()).isEqualTo("demo");

        RecordingChannel missing = new RecordingChannel();
        pipeline.models().retrieve(new GatewayRequest("r", "Bearer " + key, null, new byte[0]), "nope", missing);
        assertThat(missing.status).isEqualTo(404);

        RecordingChannel anthropic = new RecordingChannel();
        pipeline.models().list(new GatewayRequest("r", null, key, "2023-06-01", new byte[0]), anthropic);
        JsonNode list = Json.read(anthropic.bodyText());
        assertThat(list.path("has_more").asBoolean()).isFalse();
        assertThat(list.at("/data/0/type").asText()).isEqualTo("model");
    }

    @Test
    void failover_afterARoleOnlyChunk_stillMovesOn() throws Exception {
        scripted.failAfterRole = new RetriableUpstreamException(
                503, "upstream_error", "upstream_unavailable", "overloaded", null, -1, null);
        RecordingChannel channel = call(request("failover", true));

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.bodyText())
                .contains("{\"content\":\"Hello\"}")
                .doesNotContain("partial answer")
                .endsWith("data: [DONE]\n\n");
        assertThat(channel.bodyText().split("\"role\":\"assistant\"", -1))
                .as("one role chunk")
                .hasSize(2);
        assertThat(usage.events())
                .singleElement()
                .satisfies(event -> assertThat(event.upstreamModel()).isEqualTo("demo-backup"));
    }

    @Test
    void failover_billsTheDeploymentThatWasCalled_notOneWhoseSecretIsMissing() throws Exception {
        scripted.failBeforeOutput =
                new RetriableUpstreamException(503, "upstream_error", "upstream_unavailable", "busy", null, -1, null);
        RecordingChannel channel = call(request("failover-to-missing-secret", false));

        assertThat(channel.status).isEqualTo(502);
        assertThat(usage.events()).singleElement().satisfies(event -> {
            assertThat(event.upstreamModel()).isEqualTo("up-1");
            assertThat(event.status()).isEqualTo(UsageEvent.UPSTREAM_ERROR);
            assertThat(event.totalTokens()).as("nothing was served").isZero();
            assertThat(event.costMicros()).isZero();
            assertThat(event.estimated()).isFalse();
        });
    }

    @Test
    void upstreamError_isPublishedBeforeTheErrorReplyEndsTheResponse() throws Exception {
        scripted.failBeforeOutput =
                new RetriableUpstreamException(503, "upstream_error", "upstream_unavailable", "busy", null, -1, null);
        RecordingChannel channel = new RecordingChannel();
        List<Integer> statusAtPublish = new java.util.ArrayList<>();
        pipeline = new GatewayPipeline(
                new Authenticator(keys, tenants, clock),
                new RouteResolver(routes),
                new Admitter(ledger, clock),
                new LocalSecretStore(Map.of()),
                new ProviderRegistry(List.of(scripted)),
                event -> statusAtPublish.add(channel.status),
                clock,
                () -> nanos.addAndGet(1_000_000));
        call(request("scripted", false), channel);

        assertThat(statusAtPublish).containsExactly(0);
        assertThat(channel.status).isEqualTo(503);
    }

    /** What the client had received when the usage event was published. */
    private List<String> publishMoments(String body, RecordingChannel channel) {
        List<String> moments = new java.util.ArrayList<>();
        pipeline = new GatewayPipeline(
                new Authenticator(keys, tenants, clock),
                new RouteResolver(routes),
                new Admitter(ledger, clock),
                new LocalSecretStore(Map.of()),
                new ProviderRegistry(List.of(new DemoProvider(Duration.ZERO), scripted)),
                event -> moments.add(event.status() + " status=" + channel.status + " body=" + channel.body.size()
                        + " last=" + (channel.flushes.isEmpty() ? "" : channel.flushes.getLast())),
                clock,
                () -> nanos.addAndGet(1_000_000));
        call(body, channel);
        return moments;
    }

    @Test
    void nonStream_publishesBeforeTheBodyIsWritten() throws Exception {
        RecordingChannel channel = new RecordingChannel();

        assertThat(publishMoments(request("demo", false), channel)).containsExactly("ok status=0 body=0 last=");
        assertThat(channel.status).isEqualTo(200);
    }

    @Test
    void stream_publishesAfterDoneIsFlushed_whileTheResponseIsStillOpen() throws Exception {
        RecordingChannel channel = new RecordingChannel();

        List<String> moments = publishMoments(request("demo", true), channel);

        assertThat(moments).hasSize(1);
        assertThat(moments.getFirst()).startsWith("ok status=200").endsWith("last=data: [DONE]\n\n");
    }

    @Test
    void stream_clientGoneMidStream_isPublishedOnceAsClientDisconnected() throws Exception {
        RecordingChannel channel = new RecordingChannel(3);

        List<String> moments = publishMoments(request("demo", true), channel);

        assertThat(moments).singleElement().asString().startsWith("client_disconnected");
    }

    @Test
    void credentialWithControlCharacters_is502_andNeverEchoed() throws Exception {
        RecordingChannel channel = call(request("bad-secret", false));

        assertThat(channel.status).isEqualTo(502);
        assertThat(Json.read(channel.bodyText()).at("/error/code").asText()).isEqualTo("upstream_credentials_invalid");
        assertThat(channel.bodyText()).doesNotContain("sk-live-secret");
    }

    @Test
    void countTokens_estimatesTheAnthropicRequestForAKnownAlias() throws Exception {
        RecordingChannel channel = new RecordingChannel();
        pipeline.models()
                .countTokens(
                        new GatewayRequest("req_c", null, key, "2023-06-01", """
                {"model":"demo","system":"Be brief.","messages":[{"role":"user","content":"Hello, world!"}]}""".getBytes(StandardCharsets.UTF_8)),
                        channel);

        assertThat(channel.status).isEqualTo(200);
        assertThat(Json.read(channel.bodyText()).path("input_tokens").asInt()).isBetween(10, 20);
        assertThat(usage.events()).isEmpty();

        RecordingChannel unknown = new RecordingChannel();
        pipeline.models()
                .countTokens(
                        new GatewayRequest(
                                "req_c",
                                null,
                                key,
                                "2023-06-01",
                                "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
                                        .getBytes(StandardCharsets.UTF_8)),
                        unknown);
        assertThat(unknown.status).isEqualTo(404);
        assertThat(Json.read(unknown.bodyText()).at("/error/type").asText()).isEqualTo("not_found_error");
    }

    private static final class ScriptedProvider implements ChatProvider {
        RuntimeException failBeforeOutput;
        RuntimeException failAfterRole;
        boolean failAfterOutput;
        ProviderCall lastCall;

        @Override
        public String type() {
            return "scripted";
        }

        @Override
        public void streamChat(ProviderCall call, ChatStreamListener listener) {
            lastCall = call;
            if (failBeforeOutput != null) {
                throw failBeforeOutput;
            }
            listener.onChunk(StreamChunk.start());
            if (failAfterRole != null) {
                throw failAfterRole;
            }
            listener.onChunk(StreamChunk.of(new StreamDelta.Text(0, "partial answer")));
            if (failAfterOutput) {
                throw new RetriableUpstreamException(
                        502, "upstream_error", "upstream_connection_failed", "cut", null, -1, null);
            }
            listener.onChunk(StreamChunk.of(new StreamDelta.Finish(0, "stop")));
            listener.onUsage(TokenUsage.of(3, 2));
        }
    }
}
