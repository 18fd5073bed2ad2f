package dev.sluice.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.contract.ChatProviderContract;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.testing.Transcripts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Gemini embeddings through {@code batchEmbedContents} against a fake speaking Gemini's documented JSON. */
class GeminiEmbeddingsIT {
    private static ReplayUpstream upstream;
    private final GeminiProvider provider = new GeminiProvider(Duration.ofSeconds(2));

    @BeforeAll
    static void startUpstream() {
        upstream = ReplayUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @BeforeEach
    void clearRecorded() {
        upstream.clear();
    }

    private static EmbeddingCall call(String json, Duration timeout) {
        Deployment deployment = new Deployment(
                GeminiProvider.TYPE,
                "gemini-embedding-001",
                upstream.baseUrl() + "/v1beta",
                "gemini",
                Pricing.FREE,
                timeout);
        return new EmbeddingCall(
                "req_embed",
                EmbeddingRequest.parse(json.getBytes(StandardCharsets.UTF_8)),
                deployment,
                "AIza-embed-secret");
    }

    private GatewayException failure(EmbeddingCall call) {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> provider.embed(call));
        assertThat(error).as("the call must fail with a GatewayException").isNotNull();
        return error;
    }

    @Test
    void embed_returnsVectorsInInputOrder_withoutUsage() {
        upstream.reply(Reply.json(200, Transcripts.text("transcripts/gemini/batch-embed.json")));

        EmbeddingResult result = provider.embed(call("""
                {"model":"alias","input":["first","second"],"dimensions":4}""", Duration.ofSeconds(5)));

        assertThat(result.vectors()).hasSize(2);
        assertThat(result.vectors().get(0)).containsExactly(0.0123f, -0.0456f, 0.0789f, -0.1011f);
        assertThat(result.vectors().get(1)).containsExactly(-0.2222f, 0.3333f, -0.4444f, 0.5555f);
        assertThat(result.usage()).isNull();
    }

    @Test
    void embed_postsABatchWithTheKeyInAHeader() {
        upstream.reply(Reply.json(200, Transcripts.text("transcripts/gemini/batch-embed.json")));

        provider.embed(call("""
                {"model":"alias","input":["first","second"],"dimensions":4}""", Duration.ofSeconds(5)));

        RecordedRequest sent = upstream.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
        assertThat(sent.header("x-goog-api-key")).hasValue("AIza-embed-secret");
        assertThat(sent.path()).doesNotContain("key=");
        assertThat(sent.json())
                .isEqualTo(
                        GeminiRequestMapper.toBatchEmbed("models/gemini-embedding-001", List.of("first", "second"), 4));
    }

    @Test
    void embed_withoutDimensions_letsTheModelChoose() {
        upstream.reply(Reply.json(200, "{\"embeddings\":[{\"values\":[0.5,0.25]}]}"));

        EmbeddingResult result = provider.embed(call("{\"model\":\"alias\",\"input\":\"one\"}", Duration.ofSeconds(5)));

        assertThat(result.vectors().get(0)).containsExactly(0.5f, 0.25f);
        assertThat(upstream.lastRequest().json().at("/requests/0").has("outputDimensionality"))
                .isFalse();
    }

    @Test
    void embed_splitsInputsIntoBatchesOfAHundred() {
        String hundred = IntStream.range(0, 100)
                .mapToObj(i -> "{\"values\":[" + i + "]}")
                .collect(Collectors.joining(",", "{\"embeddings\":[", "]}"));
        upstream.reply(Reply.json(200, hundred));
        String inputs =
                IntStream.range(0, 200).mapToObj(i -> "\"text " + i + "\"").collect(Collectors.joining(",", "[", "]"));

        EmbeddingResult result =
                provider.embed(call("{\"model\":\"alias\",\"input\":" + inputs + "}", Duration.ofSeconds(5)));

        assertThat(result.vectors()).hasSize(200);
        assertThat(upstream.requests()).hasSize(2);
        JsonNode second = upstream.requests().get(1).json().path("requests");
        assertThat(second).hasSize(100);
        assertThat(second.get(0).at("/content/parts/0/text").asText()).isEqualTo("text 100");
    }

    @Test
    void embed_tokenIdInput_isRejectedBeforeAnyCall() {
        GatewayException error = failure(call("{\"model\":\"alias\",\"input\":[1,2,3]}", Duration.ofSeconds(5)));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void embed_badRequest_keepsGeminisMessageForTheLogOnly() {
        upstream.reply(Reply.json(400, """
                {"error":{"code":400,"message":"Request contains an invalid argument.",
                 "status":"INVALID_ARGUMENT"}}"""));

        GatewayException error = failure(call("{\"model\":\"alias\",\"input\":\"x\"}", Duration.ofSeconds(5)));

        assertThat(error.status()).isEqualTo(400);
        ChatProviderContract.assertProviderTextOnlyInTheLog(error, "Request contains an invalid argument.");
    }

    @Test
    void embed_rejectedKey_isTheGatewaysCredentialFailing() {
        upstream.reply(Reply.json(403, """
                {"error":{"code":403,"message":"Method doesn't allow unregistered callers.",
                 "status":"PERMISSION_DENIED"}}"""));

        GatewayException error = failure(call("{\"model\":\"alias\",\"input\":\"x\"}", Duration.ofSeconds(5)));

        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_auth_failed");
        assertThat(error.getMessage()).doesNotContain("AIza-embed-secret");
    }

    @Test
    void embed_slowFirstByte_timesOut() {
        upstream.reply(Reply.json(200, Transcripts.text("transcripts/gemini/batch-embed.json"))
                .withFirstByteDelay(Duration.ofSeconds(3)));

        GatewayException error = failure(call("{\"model\":\"alias\",\"input\":\"x\"}", Duration.ofMillis(300)));

        assertThat(error.status()).isEqualTo(504);
        assertThat(error.code()).isEqualTo("upstream_timeout");
    }

    @Test
    void embed_fewerVectorsThanInputs_isAnUpstreamFailure() {
        upstream.reply(Reply.json(200, "{\"embeddings\":[{\"values\":[0.5]}]}"));

        GatewayException error = failure(call("{\"model\":\"alias\",\"input\":[\"a\",\"b\"]}", Duration.ofSeconds(5)));

        assertThat(error.status()).isEqualTo(502);
    }
}
