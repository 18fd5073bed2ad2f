package dev.sluice.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.contract.ChatProviderContract;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.EventStreamFrames;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.Reply;
import dev.sluice.usage.TokenUsage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;

/**
 * The provider contract for Amazon Bedrock's ConverseStream, through the real SDK client (Netty, SigV4 with the
 * dummy credentials surefire sets) against a {@code ReplayUpstream} that answers in Bedrock's binary event-stream
 * encoding ({@link EventStreamFrames}) and its REST-JSON errors ({@code x-amzn-ErrorType}). No Bedrock engine runs
 * offline; the fixtures follow the Bedrock API Reference.
 */
class BedrockContractIT extends ChatProviderContract {
    private static final String MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    private static final String FIXTURES = "transcripts/bedrock/";
    private static final BedrockProvider PROVIDER = new BedrockProvider("eu-west-1", Duration.ofSeconds(2));

    @AfterAll
    static void closeProvider() {
        PROVIDER.close();
    }

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment(
                BedrockProvider.TYPE,
                MODEL,
                upstreamBaseUrl.toString(),
                null,
                Pricing.FREE,
                timeout,
                Map.of("region", "us-west-2"));
    }

    @Override
    protected String credential() {
        return null;
    }

    @Override
    protected Reply textStream() {
        return EventStreamFrames.reply(FIXTURES + "converse-stream-text.jsonl");
    }

    @Override
    protected ExpectedText expectedText() {
        return new ExpectedText(
                "It is 18C and sunny in Paris; Tokyo is rainy at 12C.", 5, "stop", new TokenUsage(1200, 15, 1024, 0));
    }

    @Override
    protected Reply toolCallStream() {
        return EventStreamFrames.reply(FIXTURES + "converse-stream-tools.jsonl");
    }

    @Override
    protected ExpectedTools expectedTools() {
        return new ExpectedTools(
                List.of(
                        new ExpectedCall("get_weather", "{\"city\":\"Tokyo\"}"),
                        new ExpectedCall("get_weather", "{\"city\":\"Osaka\"}")),
                TokenUsage.of(82, 36));
    }

    /** Bedrock's REST-JSON error: the exception type in {@code x-amzn-ErrorType}, the message in the body. */
    @Override
    protected Reply errorReply(int status, String message) {
        String type = switch (status) {
            case 400 -> "ValidationException";
            case 401 -> "UnrecognizedClientException";
            case 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 408 -> "ModelTimeoutException";
            case 429 -> "ThrottlingException";
            case 500 -> "InternalServerException";
            case 503 -> "ServiceUnavailableException";
            default -> null; // e.g. a 504 from a load balancer: no Bedrock error type
        };
        return bedrockError(status, type, message);
    }

    @Override
    protected Reply contextLengthReply() {
        return bedrockError(400, "ValidationException", "Input is too long for requested model.");
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
        assertThat(sent.header("Authorization"))
                .hasValueSatisfying(auth -> assertThat(auth)
                        .startsWith("AWS4-HMAC-SHA256 Credential=test/")
                        .contains("/us-west-2/bedrock/aws4_request"));
        JsonNode body = sent.json();
        assertThat(body.path("system")).isEqualTo(json("[{\"text\":\"You are terse.\"}]"));
        JsonNode messages = body.path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).isEqualTo(json("""
                {"role":"user","content":[{"text":"What is in this image, and the weather in Paris?"},
                  {"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]}"""));
        assertThat(messages.get(1)).isEqualTo(json("""
                {"role":"assistant","content":[{"toolUse":{"toolUseId":"call_1","name":"get_weather",
                  "input":{"city":"Paris"}}}]}"""));
        assertThat(messages.get(2)).isEqualTo(json("""
                {"role":"user","content":[{"toolResult":{"toolUseId":"call_1","content":[{"text":"18C and sunny"}]}},
                  {"text":"Thanks. And Tokyo?"}]}"""));
        JsonNode inference = body.path("inferenceConfig");
        assertThat(inference.path("maxTokens").asInt()).isEqualTo(256);
        assertThat(inference.path("temperature").asDouble()).isCloseTo(0.3, within(1e-6));
        assertThat(inference.path("topP").asDouble()).isCloseTo(0.9, within(1e-6));
        assertThat(inference.path("stopSequences")).isEqualTo(json("[\"END\"]"));
        assertThat(body.path("toolConfig")).isEqualTo(json("""
                {"tools":[{"toolSpec":{"name":"get_weather","description":"Current weather","inputSchema":{"json":
                  {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}],
                 "toolChoice":{"auto":{}}}"""));
        assertThat(sent.body()).doesNotContain("seed").doesNotContain("u-1");
    }

    @Override
    protected void assertTranslatedJsonRequest(RecordedRequest sent) {
        JsonNode toolConfig = sent.json().path("toolConfig");
        assertThat(toolConfig.path("tools")).hasSize(1);
        JsonNode spec = toolConfig.path("tools").get(0).path("toolSpec");
        assertThat(spec.path("name").asText()).isEqualTo("place");
        assertThat(spec.path("description").asText()).isNotBlank();
        assertThat(spec.path("inputSchema").path("json"))
                .isEqualTo(JSON_SCHEMA_REQUEST
                        .body()
                        .path("response_format")
                        .path("json_schema")
                        .path("schema"));
        assertThat(toolConfig.path("toolChoice")).isEqualTo(json("{\"tool\":{\"name\":\"place\"}}"));
    }

    // ---- Bedrock specifics ---------------------------------------------------------------------------------------

    @Test
    void streamsReasoningAsReasoningContent() {
        upstream.reply(EventStreamFrames.reply(FIXTURES + "converse-stream-reasoning.jsonl"));
        Recorded out = new Recorded();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(message.path("reasoning_content").asText()).isEqualTo("The user wants a short greeting.");
        assertThat(message.path("content").asText()).isEqualTo("Hello there!");
        assertThat(out.finishReasons).containsExactly("length");
        assertThat(out.usage).isEqualTo(new TokenUsage(340, 64, 0, 0));
    }

    @Test
    void turnsTheJsonResponseToolIntoContent() {
        upstream.reply(EventStreamFrames.reply(FIXTURES + "converse-stream-json.jsonl"));
        Recorded out = new Recorded();
        provider().streamChat(call(JSON_SCHEMA_REQUEST, Duration.ofSeconds(5)), out);
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(json(message.path("content").asText()))
                .isEqualTo(json("{\"city\":\"Lyon\",\"country\":\"France\"}"));
        assertThat(message.has("tool_calls")).isFalse();
        assertThat(out.finishReasons).containsExactly("stop");
        assertThat(out.usage).isEqualTo(TokenUsage.of(410, 22));
    }

    @Test
    void failsOnAnExceptionEventAfterTheDeltasAlreadyDelivered() {
        upstream.reply(EventStreamFrames.reply(FIXTURES + "converse-stream-exception.jsonl"));
        Recorded out = new Recorded();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error).isNotNull();
        assertThat(error.status()).isEqualTo(502);
        assertThat(error.getMessage()).contains("mid-stream");
        assertProviderTextOnlyInTheLog(error, "The model stopped unexpectedly.");
        assertThat(out.contentDeltas).containsExactly("Partial");
        assertThat(out.finishReasons).isEmpty();
    }

    @Test
    void mapsAnExceptionEventBeforeAnyOutputByItsStatus() {
        upstream.reply(EventStreamFrames.reply(FIXTURES + "converse-stream-throttled.jsonl"));
        Recorded out = new Recorded();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error).isNotNull();
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.code()).isEqualTo("upstream_rate_limited");
        assertThat(out.assembled.toCompletionChoices()).isEmpty();
    }

    @Test
    void failsAStreamThatEndsBeforeMessageStop() {
        upstream.reply(EventStreamFrames.reply(FIXTURES + "converse-stream-no-stop.jsonl"));
        Recorded out = new Recorded();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error).isNotNull();
        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_stream_incomplete");
        assertThat(out.contentDeltas).containsExactly("Half an", " answer");
    }

    @Test
    void doesNotCapAStreamThatStartedInTime() {
        upstream.reply(textStream().withFrameDelay(Duration.ofMillis(150)));
        Recorded out = new Recorded();
        provider().streamChat(call(RICH_REQUEST, Duration.ofMillis(300)), out);
        assertThat(String.join("", out.contentDeltas)).isEqualTo(expectedText().text());
        assertThat(out.finishReasons).containsExactly("stop");
    }

    @Test
    void timesOutWhenTheHeadersArriveButNoEventFollows() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(new byte[0]); // the status line and headers go out with this empty first frame
        frames.addAll(EventStreamFrames.fromJsonLines(FIXTURES + "converse-stream-text.jsonl"));
        upstream.reply(Reply.stream(EventStreamFrames.CONTENT_TYPE, frames).withFrameDelay(Duration.ofSeconds(2)));
        long start = System.nanoTime();
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofMillis(300)), new Recorded()));
        assertThat(error.status()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void signsForTheAdaptersRegionWhenTheDeploymentNamesNone() {
        upstream.reply(textStream());
        Deployment noRegion = new Deployment(
                BedrockProvider.TYPE, MODEL, upstream.baseUrl().toString(), null, Pricing.FREE, Duration.ofSeconds(5));
        provider().streamChat(new ProviderCall("req_region", RICH_REQUEST, noRegion, null), new Recorded());
        assertThat(upstream.lastRequest().header("Authorization"))
                .hasValueSatisfying(auth -> assertThat(auth).contains("/eu-west-1/bedrock/aws4_request"));
    }

    @Test
    void sendsOneRequestWithoutSdkRetries() {
        upstream.reply(errorReply(503, "busy"));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), new Recorded()));
        assertThat(error.status()).isEqualTo(503);
        assertThat(upstream.requests()).hasSize(1);
    }

    @ParameterizedTest(name = "{1} ({0}) -> {2} {3}")
    @CsvSource({
        "429, ModelNotReadyException, 429, upstream_rate_limited",
        "400, ServiceQuotaExceededException, 429, upstream_rate_limited",
        "424, ModelErrorException, 502, upstream_error",
        "400, ValidationException, 400, ",
        "403, AccessDeniedException, 502, upstream_auth_failed"
    })
    void mapsBedrockExceptions(int status, String type, int gatewayStatus, String code) {
        upstream.reply(bedrockError(status, type, "upstream says no"));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), new Recorded()));
        assertThat(error.status()).isEqualTo(gatewayStatus);
        assertThat(error.code()).isEqualTo(code);
    }

    @ParameterizedTest(name = "stopReason {0} -> {1}")
    @CsvSource({
        "end_turn, stop",
        "stop_sequence, stop",
        "max_tokens, length",
        "model_context_window_exceeded, length",
        "tool_use, tool_calls",
        "guardrail_intervened, content_filter",
        "content_filtered, content_filter"
    })
    void mapsStopReasons(String stopReason, String finishReason) {
        Recorded out = new Recorded();
        BedrockStreamMapper mapper = new BedrockStreamMapper(null);
        mapper.relay(MessageStopEvent.builder().stopReason(stopReason).build(), out);
        assertThat(out.finishReasons).containsExactly(finishReason);
        assertThat(mapper.complete()).isTrue();
    }

    @Test
    void mapsOtherContextWindowWordings() {
        upstream.reply(bedrockError(
                400,
                "ValidationException",
                "The model returned the following errors: prompt is too long: 210000 tokens > 200000 maximum"));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), new Recorded()));
        assertThat(error.code()).isEqualTo("context_length_exceeded");
    }

    @Test
    void rejectsARemoteImageBeforeCallingBedrock() {
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(request("""
                        {"model":"alias","messages":[{"role":"user","content":[
                          {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}"""), Duration.ofSeconds(5)), new Recorded()));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(error.param()).isEqualTo("messages[0].content");
        assertThat(upstream.requests()).isEmpty();
    }

    /** The contract's collector; its constructor is not visible from this package. */
    private static final class Recorded extends Collected {}

    private static Reply bedrockError(int status, String type, String message) {
        Reply reply = Reply.json(status, "{\"message\":\"" + message + "\"}")
                .withHeader("x-amzn-RequestId", "8f1c2a7e-0b1d-4c55-9a0e-3f7c9d2b6e11");
        return type == null
                ? reply
                : reply.withHeader("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
    }
}
