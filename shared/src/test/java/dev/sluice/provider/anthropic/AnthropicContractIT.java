package dev.sluice.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.contract.ChatProviderContract;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.Reply;
import dev.sluice.testing.Transcripts;
import dev.sluice.usage.TokenUsage;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The provider contract for Anthropic's Messages API, plus what is Anthropic's own: thinking, server tools, error
 * events, the json_schema answer carried by a forced tool, and the stream's documented end.
 */
class AnthropicContractIT extends ChatProviderContract {
    private static final AnthropicProvider PROVIDER = new AnthropicProvider(Duration.ofSeconds(2));
    private static final String BETA = "token-efficient-tools-2025-02-19";

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment(
                AnthropicProvider.TYPE,
                "claude-sonnet-4-5",
                upstreamBaseUrl.toString(),
                "anthropic",
                Pricing.FREE,
                timeout,
                Map.of("version", "2023-06-01", "beta", BETA));
    }

    /**
     * Paced like a real upstream: the JDK's response InputStream drops buffers still queued when a connection error
     * arrives, so frames written back to back right before a cut may never reach the adapter.
     */
    @Override
    protected Reply textStream() {
        return Transcripts.sseReply("transcripts/anthropic/messages-text.sse").withFrameDelay(Duration.ofMillis(5));
    }

    @Override
    protected ExpectedText expectedText() {
        return new ExpectedText("Paris is sunny, Tokyo is rainy.", 5, "stop", new TokenUsage(1200, 12, 1024, 0));
    }

    @Override
    protected Reply toolCallStream() {
        return Transcripts.sseReply("transcripts/anthropic/messages-tools.sse");
    }

    @Override
    protected ExpectedTools expectedTools() {
        return new ExpectedTools(
                List.of(
                        new ExpectedCall("get_weather", "{\"city\":\"Tokyo\"}"),
                        new ExpectedCall("get_weather", "{\"city\":\"Osaka\"}")),
                new TokenUsage(1972, 89, 0, 0));
    }

    @Override
    protected Reply errorReply(int status, String message) {
        return Reply.json(
                        status,
                        "{\"type\":\"error\",\"error\":{\"type\":\"" + errorType(status) + "\",\"message\":\"" + message
                                + "\"}}")
                .withHeader("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy");
    }

    @Override
    protected Reply contextLengthReply() {
        return Reply.json(
                400,
                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                        + "\"message\":\"prompt is too long: 215000 tokens > 200000 maximum\"}}");
    }

    /** Message_start, the text block's start, a ping, then two text deltas. */
    @Override
    protected int framesBeforeCut() {
        return 5;
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/v1/messages");
        assertThat(sent.header("x-api-key")).hasValue("sk-contract-secret");
        assertThat(sent.header("Authorization")).isEmpty();
        assertThat(sent.header("anthropic-version")).hasValue("2023-06-01");
        assertThat(sent.header("anthropic-beta")).hasValue(BETA);
        assertThat(sent.header("content-type")).hasValue("application/json");
        assertThat(sent.header("accept")).hasValue("text/event-stream");

        JsonNode body = sent.json();
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("system").asText()).isEqualTo("You are terse.");
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[
                   {"type":"text","text":"What is in this image, and the weather in Paris?"},
                   {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"call_1","content":"18C and sunny"},
                   {"type":"text","text":"Thanks. And Tokyo?"}]}]"""));
        assertThat(body.get("tools")).isEqualTo(json("""
                [{"name":"get_weather","description":"Current weather",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]"""));
        assertThat(body.get("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
        assertThat(body.path("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.get("stop_sequences")).isEqualTo(json("[\"END\"]"));
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("metadata").path("user_id").asText()).isEqualTo("u-1");
        assertThat(body.has("seed")).isFalse();
        assertThat(body.has("user")).isFalse();
        assertThat(body.has("max_completion_tokens")).isFalse();
        assertThat(body.has("stop")).isFalse();
        assertThat(body.has("stream_options")).isFalse();
        assertThat(sent.body()).doesNotContain("sk-contract-secret");
    }

    @Override
    protected void assertTranslatedJsonRequest(RecordedRequest sent) {
        JsonNode body = sent.json();
        JsonNode schema = JSON_SCHEMA_REQUEST
                .body()
                .path("response_format")
                .path("json_schema")
                .path("schema");
        assertThat(body.has("response_format")).isFalse();
        assertThat(body.get("tools")).hasSize(1);
        JsonNode tool = body.get("tools").get(0);
        assertThat(tool.path("name").asText()).isEqualTo("place");
        assertThat(tool.path("description").asText()).isNotBlank();
        assertThat(tool.get("input_schema")).isEqualTo(schema);
        assertThat(body.get("tool_choice"))
                .isEqualTo(json("{\"type\":\"tool\",\"name\":\"place\",\"disable_parallel_tool_use\":true}"));
        assertThat(body.path("max_tokens").asInt()).isEqualTo(AnthropicRequestMapper.DEFAULT_MAX_TOKENS);
        assertThat(body.has("system")).isFalse();
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Give me a city and its country."}]}]"""));
    }

    // ---- Anthropic's own ---------------------------------------------------------------------------------------

    @Test
    void jsonSchemaAnswer_arrivesAsContentWithFinishReasonStop() {
        upstream.reply(Transcripts.sseReply("transcripts/anthropic/messages-json.sse"));
        Recorded out = new Recorded();
        provider().streamChat(call(JSON_SCHEMA_REQUEST, Duration.ofSeconds(5)), out);
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(json(message.path("content").asText()))
                .isEqualTo(json("{\"city\":\"Paris\",\"country\":\"France\"}"));
        assertThat(message.has("tool_calls")).isFalse();
        assertThat(out.contentDeltas).hasSize(3);
        assertThat(out.finishReasons).containsExactly("stop");
        assertThat(out.usage).isEqualTo(TokenUsage.of(402, 24));
    }

    @Test
    void thinkingDeltas_becomeReasoningContent() {
        upstream.reply(Transcripts.sseReply("transcripts/anthropic/messages-thinking.sse"));
        Recorded out = new Recorded();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(message.path("reasoning_content").asText()).isEqualTo("The user wants 27 * 453. 27 * 453 = 12231.");
        assertThat(message.path("content").asText()).isEqualTo("27 * 453 = 12,231");
        assertThat(out.finishReasons).containsExactly("stop");
        assertThat(out.usage).isEqualTo(TokenUsage.of(54, 77));
    }

    @Test
    void serverToolBlocks_areNotClientToolCalls_andMessageDeltaUsageReplacesTheStart() {
        upstream.reply(Transcripts.sseReply("transcripts/anthropic/messages-web-search.sse"));
        Recorded out = new Recorded();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(message.path("content").asText()).isEqualTo("Let me search. It is sunny in Paris.");
        assertThat(message.has("tool_calls")).isFalse();
        assertThat(out.finishReasons).containsExactly("stop");
        assertThat(out.usage).isEqualTo(TokenUsage.of(10682, 510));
    }

    @Test
    void errorEventAfterOutput_failsMidStreamWithoutFinishReason() {
        upstream.reply(Transcripts.sseReply("transcripts/anthropic/messages-error.sse"));
        Recorded out = new Recorded();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error.status()).isEqualTo(502);
        assertProviderTextOnlyInTheLog(error, "Overloaded");
        assertThat(out.contentDeltas).containsExactly("Paris");
        assertThat(out.finishReasons).isEmpty();
        assertThat(out.usage).as("no final count, left to the estimator").isNull();
    }

    @Test
    void errorEventBeforeOutput_mapsLikeItsHttpStatus() {
        upstream.reply(Transcripts.sseReply("transcripts/anthropic/error-overloaded.sse"));
        Recorded out = new Recorded();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error.status()).isEqualTo(503);
        assertThat(error.code()).isEqualTo("upstream_unavailable");
        assertThat(out.assembled.toCompletionChoices()).isEmpty();
    }

    @Test
    void streamEndingWithoutMessageStop_isIncomplete_butKeepsTheFinalUsage() {
        List<byte[]> frames = Transcripts.sseEvents("transcripts/anthropic/messages-text.sse");
        // Ends cleanly (no cut), just without message_stop.
        upstream.reply(Reply.stream("text/event-stream", frames.subList(0, frames.size() - 1)));
        Recorded out = new Recorded();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_stream_incomplete");
        assertThat(String.join("", out.contentDeltas)).isEqualTo("Paris is sunny, Tokyo is rainy.");
        assertThat(out.usage).isEqualTo(new TokenUsage(1200, 12, 1024, 0));
    }

    @Test
    void upstreamIgnoringStreamTrue_wholeMessageIsRelayed() {
        upstream.reply(Reply.json(200, Transcripts.text("transcripts/anthropic/message-whole.json")));
        Recorded out = new Recorded();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(message.path("content").asText()).isEqualTo("Checking Tokyo.");
        assertThat(message.path("tool_calls")).hasSize(1);
        assertThat(json(message.path("tool_calls")
                        .get(0)
                        .path("function")
                        .path("arguments")
                        .asText()))
                .isEqualTo(json("{\"city\":\"Tokyo\"}"));
        assertThat(out.finishReasons).containsExactly("tool_calls");
        assertThat(out.usage).isEqualTo(new TokenUsage(400, 40, 100, 0));
    }

    @Test
    void overloaded529_mapsTo503WithRetryAfter() {
        upstream.reply(errorReply(529, "Overloaded").withHeader("retry-after", "12"));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), new Recorded()));
        assertThat(error.status()).isEqualTo(503);
        assertThat(error.retryAfterSeconds()).hasValue(12);
    }

    @Test
    void deploymentWithoutOptions_sendsDefaultVersionAndMaxTokens_andNoBeta() {
        upstream.reply(textStream());
        Deployment plain = new Deployment(
                AnthropicProvider.TYPE,
                "claude-haiku-4-5",
                upstream.baseUrl() + "/",
                "anthropic",
                Pricing.FREE,
                Duration.ofSeconds(5));
        provider().streamChat(new ProviderCall("req_plain", JSON_SCHEMA_REQUEST, plain, "sk-other"), new Recorded());
        RecordedRequest sent = upstream.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1/messages");
        assertThat(sent.header("anthropic-version")).hasValue(AnthropicProvider.DEFAULT_VERSION);
        assertThat(sent.header("anthropic-beta")).isEmpty();
        assertThat(sent.header("x-api-key")).hasValue("sk-other");
        assertThat(sent.json().path("max_tokens").asInt()).isEqualTo(4096);
    }

    @Test
    void invalidToolArguments_areRejectedBeforeAnyUpstreamCall() {
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(request("""
                        {"model":"alias","messages":[{"role":"user","content":"hi"},
                          {"role":"assistant","tool_calls":[{"id":"call_9","type":"function",
                            "function":{"name":"get_weather","arguments":"{not json"}}]},
                          {"role":"tool","tool_call_id":"call_9","content":"?"}]}"""), Duration.ofSeconds(5)), new Recorded()));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(upstream.requests()).isEmpty();
    }

    /** The contract's collector; a subclass here because its constructor is protected in another package. */
    private static final class Recorded extends Collected {}

    private static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }
}
