package dev.sluice.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.provider.contract.ChatProviderContract;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.Reply;
import dev.sluice.testing.Transcripts;
import dev.sluice.usage.TokenUsage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The provider contract for Google's Gemini API (streamGenerateContent over SSE), plus Gemini's own edge cases. */
class GeminiContractIT extends ChatProviderContract {
    private static final GeminiProvider PROVIDER = new GeminiProvider(Duration.ofSeconds(2));
    private static final Map<Integer, String> RPC_STATUS = Map.of(
            400,
            "INVALID_ARGUMENT",
            401,
            "UNAUTHENTICATED",
            403,
            "PERMISSION_DENIED",
            404,
            "NOT_FOUND",
            408,
            "DEADLINE_EXCEEDED",
            429,
            "RESOURCE_EXHAUSTED",
            500,
            "INTERNAL",
            503,
            "UNAVAILABLE",
            504,
            "DEADLINE_EXCEEDED");

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment(
                GeminiProvider.TYPE,
                "gemini-2.5-flash",
                upstreamBaseUrl + "/v1beta",
                "gemini",
                Pricing.FREE,
                timeout,
                Map.of("includeThoughts", "true"));
    }

    @Override
    protected Reply textStream() {
        return Transcripts.sseReply("transcripts/gemini/stream-text.sse");
    }

    @Override
    protected ExpectedText expectedText() {
        // completion = candidatesTokenCount 9 + thoughtsTokenCount 24; prompt includes the 1024 cached tokens.
        return new ExpectedText("Paris is sunny, Tokyo is rainy.", 5, "stop", new TokenUsage(1200, 33, 1024, 24));
    }

    @Override
    protected Reply toolCallStream() {
        return Transcripts.sseReply("transcripts/gemini/stream-tools.sse");
    }

    @Override
    protected ExpectedTools expectedTools() {
        return new ExpectedTools(
                List.of(
                        new ExpectedCall("get_weather", "{\"city\":\"Tokyo\"}"),
                        new ExpectedCall("get_weather", "{\"city\":\"Osaka\"}")),
                TokenUsage.of(82, 36));
    }

    @Override
    protected Reply errorReply(int status, String message) {
        return Reply.json(
                status,
                "{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\",\"status\":\""
                        + RPC_STATUS.getOrDefault(status, "UNKNOWN") + "\"}}");
    }

    @Override
    protected Reply contextLengthReply() {
        return Reply.json(400, """
                {"error":{"code":400,"message":"The input token count (1200293) exceeds the maximum number of tokens \
                allowed (1048576).","status":"INVALID_ARGUMENT"}}""");
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assertThat(sent.header("x-goog-api-key")).hasValue("sk-contract-secret");
        assertThat(sent.path()).doesNotContain("key=").doesNotContain("sk-contract-secret");
        assertThat(sent.header("Authorization")).isEmpty();
        assertThat(sent.json()).isEqualTo(json("""
                {"systemInstruction":{"parts":[{"text":"You are terse."}]},
                 "contents":[
                   {"role":"user","parts":[{"text":"What is in this image, and the weather in Paris?"},
                     {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]},
                   {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},
                   {"role":"user","parts":[
                     {"functionResponse":{"name":"get_weather","response":{"content":"18C and sunny"}}},
                     {"text":"Thanks. And Tokyo?"}]}],
                 "tools":[{"functionDeclarations":[{"name":"get_weather","description":"Current weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}],
                 "toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},
                 "generationConfig":{"temperature":0.3,"topP":0.9,"maxOutputTokens":256,"stopSequences":["END"],
                   "seed":7,"thinkingConfig":{"includeThoughts":true}}}"""));
    }

    @Override
    protected void assertTranslatedJsonRequest(RecordedRequest sent) {
        JsonNode body = sent.json();
        assertThat(body.path("contents")).isEqualTo(json("""
                [{"role":"user","parts":[{"text":"Give me a city and its country."}]}]"""));
        JsonNode config = body.path("generationConfig");
        assertThat(config.path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(config.get("responseJsonSchema"))
                .isEqualTo(JSON_SCHEMA_REQUEST.body().at("/response_format/json_schema/schema"));
        assertThat(body.has("tools")).isFalse();
        assertThat(body.has("response_format")).isFalse();
    }

    // ---- Gemini specifics ------------------------------------------------------------------------------------

    /** The contract's listener; its constructor is protected, so an anonymous subclass makes one here. */
    private static Collected collected() {
        return new Collected() {};
    }

    @Test
    void thoughtParts_becomeReasoningContent_notContent() {
        upstream.reply(textStream());
        Collected out = collected();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);

        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        assertThat(message.path("reasoning_content").asText()).startsWith("**Reading the weather**");
        assertThat(message.path("content").asText()).isEqualTo("Paris is sunny, Tokyo is rainy.");
    }

    @Test
    void toolCalls_getDistinctIds_andCarryTheThoughtSignatureForTheNextTurn() {
        upstream.reply(toolCallStream());
        Collected out = collected();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);

        JsonNode calls =
                out.assembled.toCompletionChoices().get(0).path("message").path("tool_calls");
        assertThat(calls.get(0).path("id").asText())
                .startsWith("call_")
                .isNotEqualTo(calls.get(1).path("id").asText());
        upstream.reply(toolCallStream());
        List<String> signatures = new ArrayList<>();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), new Collected() {
            @Override
            public void onChunk(StreamChunk chunk) {
                for (StreamDelta delta : chunk.deltas()) {
                    if (delta instanceof StreamDelta.ToolCallStart call) {
                        JsonNode extra = call.extraContent() == null ? MissingNode.getInstance() : call.extraContent();
                        signatures.add(
                                extra.path("google").path("thought_signature").asText(""));
                    }
                }
            }
        });
        assertThat(signatures).containsExactly("CiQBjz1rX4dNmvN0cSC+7cGyN2rMZQ2Rp8Vq6f2lE7nRjQpDdWI=", "");
    }

    @Test
    void blockedPrompt_finishesWithContentFilter_andReportsPromptTokens() {
        upstream.reply(Transcripts.sseReply("transcripts/gemini/stream-blocked.sse"));
        Collected out = collected();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);

        assertThat(out.contentDeltas).isEmpty();
        assertThat(out.finishReasons).containsExactly("content_filter");
        assertThat(out.usage).isEqualTo(TokenUsage.of(14, 0));
    }

    @Test
    void maxTokens_finishesWithLength_andCountsThoughtsAsCompletion() {
        upstream.reply(Transcripts.sseReply("transcripts/gemini/stream-max-tokens.sse"));
        Collected out = collected();
        provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out);

        assertThat(String.join("", out.contentDeltas)).isEqualTo("Paris is sunny");
        assertThat(out.finishReasons).containsExactly("length");
        assertThat(out.usage).isEqualTo(new TokenUsage(30, 16, 0, 12));
    }

    @Test
    void errorEventMidStream_failsAfterTheDeltasAlreadyDelivered() {
        upstream.reply(Transcripts.sseReply("transcripts/gemini/stream-error.sse"));
        Collected out = collected();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));

        assertThat(error.status()).isEqualTo(502);
        assertProviderTextOnlyInTheLog(error, "An internal error has occurred");
        assertThat(out.contentDeltas).containsExactly("Paris");
        assertThat(out.finishReasons).isEmpty();
        assertThat(out.usage).isNull();
    }

    @Test
    void invalidApiKey_answeredWith400ByGemini_isTheGatewaysCredentialFailing() {
        upstream.reply(Reply.json(400, """
                {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
                 "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",
                 "reason":"API_KEY_INVALID","domain":"googleapis.com",
                 "metadata":{"service":"generativelanguage.googleapis.com"}}]}}"""));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), collected()));

        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_auth_failed");
        assertThat(error.getMessage()).doesNotContain("sk-contract-secret");
    }

    @Test
    void badRequest_keepsGeminisMessageAndStatusAsCode() {
        upstream.reply(errorReply(400, "* GenerateContentRequest.contents: contents is not specified"));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), collected()));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("invalid_argument");
        assertProviderTextOnlyInTheLog(error, "contents is not specified");
    }

    @Test
    void rateLimit_withoutRetryAfterHeader_usesTheRetryInfoDelay() {
        upstream.reply(Reply.json(429, """
                {"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"16.4s"}]}}"""));
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), collected()));

        assertThat(error.status()).isEqualTo(429);
        assertThat(error.retryAfterSeconds()).hasValue(17);
    }

    @Test
    void streamClosedBeforeAnyFinishReason_isIncomplete() {
        upstream.reply(Reply.stream(
                "text/event-stream",
                List.of(Transcripts.sseEvents("transcripts/gemini/stream-text.sse")
                        .get(1))));
        Collected out = collected();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));

        assertThat(error.code()).isEqualTo("upstream_stream_incomplete");
        assertThat(out.contentDeltas).containsExactly("Paris");
        assertThat(out.usage).isNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "STOP, stop",
        "MAX_TOKENS, length",
        "SAFETY, content_filter",
        "RECITATION, content_filter",
        "BLOCKLIST, content_filter",
        "PROHIBITED_CONTENT, content_filter",
        "SPII, content_filter",
        "IMAGE_SAFETY, content_filter",
        "LANGUAGE, stop",
        "MALFORMED_FUNCTION_CALL, stop",
        "OTHER, stop"
    })
    void finishReasons_mapToOpenAis(String gemini, String openAi) {
        assertThat(GeminiStreamMapper.toFinishReason(gemini)).isEqualTo(openAi);
    }

    @Test
    void usage_addsToolUsePromptTokensToThePrompt() {
        JsonNode usage = json("""
                {"promptTokenCount":100,"toolUsePromptTokenCount":40,"cachedContentTokenCount":64,
                 "candidatesTokenCount":20,"thoughtsTokenCount":5,"totalTokenCount":165}""");
        assertThat(GeminiStreamMapper.toTokenUsage(Json.MAPPER.convertValue(usage, GeminiResponse.UsageMetadata.class)))
                .isEqualTo(new TokenUsage(140, 25, 64, 5));
    }
}
