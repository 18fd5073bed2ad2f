package dev.sluice.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.usage.TokenUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bedrock embeddings through InvokeModel with the real SDK client (URL-connection, SigV4) against a
 * {@link ReplayUpstream} answering with the bodies Titan Text Embeddings v2 and Cohere Embed document.
 */
class BedrockEmbeddingsIT {
    private static final String TITAN = "amazon.titan-embed-text-v2:0";
    private static final String COHERE = "cohere.embed-english-v3";
    private static ReplayUpstream upstream;
    private static BedrockProvider provider;

    @BeforeAll
    static void start() {
        upstream = ReplayUpstream.start();
        provider = new BedrockProvider("us-east-1", Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        provider.close();
        upstream.close();
    }

    @BeforeEach
    void clear() {
        upstream.clear();
    }

    @Test
    void embed_titan_callsOncePerInputAndSumsTheTokenCounts() {
        upstream.reply(Reply.json(200, "{\"embedding\":[0.125,-0.5,0.25],\"inputTextTokenCount\":7}"));
        EmbeddingResult result = provider.embed(call(TITAN, """
                {"model":"alias","input":["first text","second text"],"dimensions":256}""", Map.of()));
        assertThat(result.vectors()).hasSize(2);
        assertThat(result.vectors().get(1)).containsExactly(0.125f, -0.5f, 0.25f);
        assertThat(result.usage()).isEqualTo(TokenUsage.of(14, 0));
        List<RecordedRequest> sent = upstream.requests();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
        assertThat(sent.get(0).header("Authorization"))
                .hasValueSatisfying(auth ->
                        assertThat(auth).startsWith("AWS4-HMAC-SHA256").contains("/us-east-1/bedrock/aws4_request"));
        assertThat(sent.get(0).json())
                .isEqualTo(json("{\"inputText\":\"first text\",\"dimensions\":256," + "\"normalize\":true}"));
        assertThat(sent.get(1).json().path("inputText").asText()).isEqualTo("second text");
    }

    @Test
    void embed_cohere_sendsTheTextsInOneCallAndReadsTheTokenHeader() {
        upstream.reply(Reply.json(200, """
                {"id":"6f1e","embeddings":[[0.1,0.2],[0.3,0.4]],"response_type":"embeddings_floats",
                 "texts":["first text","second text"]}""").withHeader("X-Amzn-Bedrock-Input-Token-Count", "9"));
        EmbeddingResult result = provider.embed(call(COHERE, """
                {"model":"alias","input":["first text","second text"]}""", Map.of()));
        assertThat(result.vectors()).hasSize(2);
        assertThat(result.vectors().get(0)).containsExactly(0.1f, 0.2f);
        assertThat(result.usage()).isEqualTo(TokenUsage.of(9, 0));
        assertThat(upstream.lastRequest().json()).isEqualTo(json("""
                {"texts":["first text","second text"],"input_type":"search_document"}"""));
    }

    @Test
    void embed_cohereWithInputTypeOptionAndTypedAnswer_readsEmbeddingsFloat() {
        upstream.reply(Reply.json(200, """
                {"id":"6f1f","embeddings":{"float":[[0.5,0.6]]},"response_type":"embeddings_by_type"}"""));
        EmbeddingResult result = provider.embed(call(COHERE, """
                {"model":"alias","input":"what is sluice?"}""", Map.of("inputType", "search_query")));
        assertThat(result.vectors().get(0)).containsExactly(0.5f, 0.6f);
        assertThat(result.usage()).as("no token header: the gateway estimates").isNull();
        assertThat(upstream.lastRequest().json().path("input_type").asText()).isEqualTo("search_query");
    }

    @Test
    void embed_cohere_splitsMoreThan96InputsIntoBatches() {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        for (int i = 0; i < 96; i++) {
            answer.withArray("embeddings").addArray().add(0.5);
        }
        upstream.reply(Reply.json(200, answer.toString()).withHeader("X-Amzn-Bedrock-Input-Token-Count", "96"));
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "alias");
        for (int i = 0; i < 192; i++) {
            body.withArray("input").add("text " + i);
        }
        EmbeddingResult result = provider.embed(call(COHERE, body.toString(), Map.of()));
        assertThat(result.vectors()).hasSize(192);
        assertThat(result.usage()).isEqualTo(TokenUsage.of(192, 0));
        assertThat(upstream.requests()).hasSize(2);
        assertThat(upstream.requests().get(1).json().path("texts").get(0).asText())
                .isEqualTo("text 96");
    }

    @Test
    void embed_otherModel_isRejectedNamingTheModel() {
        GatewayException error = failure(
                call("anthropic.claude-3-haiku-20240307-v1:0", "{\"model\":\"alias\",\"input\":\"hi\"}", Map.of()));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(error.getMessage()).contains("anthropic.claude-3-haiku-20240307-v1:0");
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void embed_tokenIdInput_isRejected() {
        GatewayException error = failure(call(TITAN, "{\"model\":\"alias\",\"input\":[1,2,3]}", Map.of()));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo("input");
    }

    @Test
    void embed_throttled_mapsToRateLimitWithRetryAfter() {
        upstream.reply(Reply.json(429, "{\"message\":\"Too many requests, please wait before trying again.\"}")
                .withHeader("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/")
                .withHeader("Retry-After", "3"));
        GatewayException error = failure(call(TITAN, "{\"model\":\"alias\",\"input\":\"hi\"}", Map.of()));
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.retryAfterSeconds()).hasValue(3);
        assertThat(upstream.requests()).as("no SDK retries").hasSize(1);
    }

    @Test
    void embed_slowUpstream_timesOutAfterTheDeploymentsTimeout() {
        Reply answer = Reply.json(200, "{\"embedding\":[0.1],\"inputTextTokenCount\":1}");
        Deployment deployment = new Deployment(
                BedrockProvider.TYPE, TITAN, upstream.baseUrl().toString(), null, Pricing.FREE, Duration.ofMillis(300));
        EmbeddingCall call =
                new EmbeddingCall("req_slow", request("{\"model\":\"alias\",\"input\":\"hi\"}"), deployment, null);
        upstream.reply(answer);
        provider.embed(call); // builds the client, so only the wait is timed below
        upstream.reply(answer.withFirstByteDelay(Duration.ofSeconds(3)));
        long start = System.nanoTime();
        GatewayException error = failure(call);
        assertThat(error.status()).isEqualTo(504);
        assertThat(error.code()).isEqualTo("upstream_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }

    private static EmbeddingCall call(String model, String body, Map<String, String> options) {
        Deployment deployment = new Deployment(
                BedrockProvider.TYPE,
                model,
                upstream.baseUrl().toString(),
                null,
                Pricing.FREE,
                Duration.ofSeconds(5),
                options);
        return new EmbeddingCall("req_embed", request(body), deployment, null);
    }

    private static GatewayException failure(EmbeddingCall call) {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> provider.embed(call));
        assertThat(error).as("the call must fail with a GatewayException").isNotNull();
        return error;
    }

    private static EmbeddingRequest request(String json) {
        return EmbeddingRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
