package dev.sluice.provider.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.GatewayException;
import dev.sluice.error.UpstreamException;
import dev.sluice.inbound.anthropic.AnthropicErrorFormat;
import dev.sluice.inbound.openai.CompletionAssembler;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.route.Deployment;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.usage.TokenUsage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every chat provider adapter keeps, written once and run against each adapter (a subclass per
 * provider, named {@code <Provider>ContractIT}). A {@link ReplayUpstream} replays the provider's documented wire
 * transcripts, kept as fixture files under {@code src/test/resources/transcripts/<provider>/}.
 *
 * <p>What it checks: text deltas arrive in order and join to the transcript's answer; tool-call deltas reassemble into
 * whole calls; usage is the provider's own count, summed; the finish reason is translated; the request is translated
 * into the provider's API; every error status maps to the gateway's answer; a slow first byte times out; a stream cut
 * mid-way fails after the deltas already delivered; a client that hangs up stops the call.
 */
public abstract class ChatProviderContract {
    protected static ReplayUpstream upstream;

    /** Looks like a credential a provider might echo in an error: it must only ever reach the log. */
    public static final String LEAK_CANARY = "sk-leak-canary-8f3e1c";

    /** A request using every portable feature: system prompt, image, tools, tool results, sampling parameters. */
    public static final ChatRequest RICH_REQUEST = request("""
            {"model":"alias","stream":true,"temperature":0.3,"top_p":0.9,"max_completion_tokens":256,"stop":["END"],
             "seed":7,"user":"u-1",
             "messages":[
               {"role":"system","content":"You are terse."},
               {"role":"user","content":[{"type":"text","text":"What is in this image, and the weather in Paris?"},
                 {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
               {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
               {"role":"tool","tool_call_id":"call_1","content":"18C and sunny"},
               {"role":"user","content":"Thanks. And Tokyo?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
               "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
             "tool_choice":"auto"}""");

    /** A request asking for JSON matching a schema. */
    public static final ChatRequest JSON_SCHEMA_REQUEST = request("""
            {"model":"alias","stream":true,
             "messages":[{"role":"user","content":"Give me a city and its country."}],
             "response_format":{"type":"json_schema","json_schema":{"name":"place","strict":true,
               "schema":{"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"}},
                         "required":["city","country"],"additionalProperties":false}}}}""");

    /** What a text transcript must yield. */
    public record ExpectedText(String text, int minDeltas, String finishReason, TokenUsage usage) {}

    /** One whole tool call a tool-call transcript must yield. */
    public record ExpectedCall(String name, String argumentsJson) {}

    /** What a tool-call transcript must yield. */
    public record ExpectedTools(List<ExpectedCall> calls, TokenUsage usage) {}

    // ---- what each provider supplies -------------------------------------------------------------------------

    protected abstract ChatProvider provider();

    /** A deployment of this provider whose endpoint is the replay upstream, with this first-byte timeout. */
    protected abstract Deployment deployment(URI upstreamBaseUrl, Duration timeout);

    /** The credential the adapter receives from the secret store; null for providers that use none (Bedrock). */
    protected String credential() {
        return "sk-contract-secret";
    }

    /** The provider's transcript of a streamed text answer. */
    protected abstract Reply textStream();

    protected abstract ExpectedText expectedText();

    /** The provider's transcript of a streamed answer with (parallel) tool calls. */
    protected abstract Reply toolCallStream();

    protected abstract ExpectedTools expectedTools();

    /** The provider's documented error answer for this HTTP status, carrying this message. */
    protected abstract Reply errorReply(int status, String message);

    /** The provider's documented error answer for a prompt longer than the model's context window. */
    protected abstract Reply contextLengthReply();

    /** Checks what the adapter sent upstream for {@link #RICH_REQUEST}: URL, auth headers, translated body. */
    protected abstract void assertTranslatedRequest(RecordedRequest sent);

    /** Checks what the adapter sent upstream for {@link #JSON_SCHEMA_REQUEST}. */
    protected abstract void assertTranslatedJsonRequest(RecordedRequest sent);

    /** How many frames of {@link #textStream()} to send before cutting the connection. */
    protected int framesBeforeCut() {
        return 3;
    }

    // ---- the contract ----------------------------------------------------------------------------------------

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

    @Test
    void streamsTextDeltasInOrderWithTheProvidersUsage() {
        upstream.reply(textStream());
        Collected out = call(RICH_REQUEST, Duration.ofSeconds(5), new Collected());
        ExpectedText expected = expectedText();
        assertThat(String.join("", out.contentDeltas)).isEqualTo(expected.text());
        assertThat(out.contentDeltas).hasSizeGreaterThanOrEqualTo(expected.minDeltas());
        assertThat(out.finishReasons).containsExactly(expected.finishReason());
        assertThat(out.usage).isEqualTo(expected.usage());
    }

    @Test
    void reassemblesToolCallDeltas() {
        upstream.reply(toolCallStream());
        Collected out = call(RICH_REQUEST, Duration.ofSeconds(5), new Collected());
        JsonNode message = out.assembled.toCompletionChoices().get(0).path("message");
        JsonNode calls = message.path("tool_calls");
        List<ExpectedCall> expected = expectedTools().calls();
        assertThat(calls).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode call = calls.get(i);
            assertThat(call.path("id").asText()).as("tool call id").isNotBlank();
            assertThat(call.path("type").asText()).isEqualTo("function");
            assertThat(call.path("function").path("name").asText())
                    .isEqualTo(expected.get(i).name());
            assertThat(json(call.path("function").path("arguments").asText()))
                    .isEqualTo(json(expected.get(i).argumentsJson()));
        }
        assertThat(out.finishReasons).containsExactly("tool_calls");
        assertThat(out.usage).isEqualTo(expectedTools().usage());
    }

    @Test
    void translatesTheRequest() {
        upstream.reply(textStream());
        call(RICH_REQUEST, Duration.ofSeconds(5), new Collected());
        assertTranslatedRequest(upstream.lastRequest());
    }

    @Test
    void translatesJsonSchemaMode() {
        upstream.reply(textStream());
        call(JSON_SCHEMA_REQUEST, Duration.ofSeconds(5), new Collected());
        assertTranslatedJsonRequest(upstream.lastRequest());
    }

    @ParameterizedTest(name = "upstream {0} -> {1} {2}")
    @CsvSource({
        "400, 400, invalid_request_error",
        "401, 502, upstream_error",
        "403, 502, upstream_error",
        "404, 404, invalid_request_error",
        "408, 504, upstream_error",
        "429, 429, rate_limit_exceeded",
        "500, 502, upstream_error",
        "503, 503, upstream_error",
        "504, 504, upstream_error"
    })
    void mapsErrorStatuses(int upstreamStatus, int status, String type) {
        upstream.reply(errorReply(upstreamStatus, "upstream says no").withHeader("Retry-After", "7"));
        GatewayException error = failure(RICH_REQUEST, Duration.ofSeconds(5));
        assertThat(error.status()).isEqualTo(status);
        assertThat(error.type()).isEqualTo(type);
        assertProviderTextOnlyInTheLog(error, "upstream says no");
        if (upstreamStatus == 401 || upstreamStatus == 403) {
            assertThat(error.code()).isEqualTo("upstream_auth_failed");
            assertThat(error.getMessage()).doesNotContain("sk-contract-secret");
        }
        if (upstreamStatus == 429) {
            assertThat(error.retryAfterSeconds()).hasValue(7);
        }
    }

    /** A recognisable secret in the provider's error text, whatever the status, must never reach a client. */
    @ParameterizedTest(name = "upstream {0}")
    @ValueSource(ints = {400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529})
    void providerErrorText_neverReachesTheClient(int upstreamStatus) {
        upstream.reply(errorReply(upstreamStatus, LEAK_CANARY));
        assertProviderTextOnlyInTheLog(failure(RICH_REQUEST, Duration.ofSeconds(5)), LEAK_CANARY);
    }

    @Test
    void mapsContextLengthExceeded() {
        upstream.reply(contextLengthReply());
        GatewayException error = failure(RICH_REQUEST, Duration.ofSeconds(5));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("context_length_exceeded");
    }

    @Test
    void timesOutWaitingForTheFirstByte() {
        upstream.reply(textStream().withFirstByteDelay(Duration.ofSeconds(3)));
        long start = System.nanoTime();
        GatewayException error = failure(RICH_REQUEST, Duration.ofMillis(300));
        assertThat(error.status()).isEqualTo(504);
        assertThat(error.code()).isEqualTo("upstream_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void failsAStreamCutMidWayAfterTheDeltasAlreadyDelivered() {
        // Paced: the JDK's response stream drops bytes it already buffered when the connection then fails, so frames
        // written right before the cut may never reach the adapter; a short pause lets each be read first.
        upstream.reply(textStream().withFrameDelay(Duration.ofMillis(5)).cutAfterFrames(framesBeforeCut()));
        Collected out = new Collected();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));
        assertThat(error).as("a cut stream must fail").isNotNull();
        assertThat(error.status()).isEqualTo(502);
        assertThat(out.contentDeltas).as("deltas before the cut").isNotEmpty();
        assertThat(out.finishReasons).as("no finish reason for a cut stream").isEmpty();
    }

    @Test
    void stopsWhenTheClientHangsUp() {
        upstream.reply(textStream());
        ClientDisconnectedException gone = new ClientDisconnectedException(new IOException("client closed"));
        ChatStreamListener hangsUp = new Collected() {
            @Override
            public void onChunk(StreamChunk chunk) {
                throw gone;
            }
        };
        Throwable thrown = catchThrowableOfType(
                ClientDisconnectedException.class,
                () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), hangsUp));
        assertThat(thrown).isSameAs(gone);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    protected static ChatRequest request(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    protected ProviderCall call(ChatRequest request, Duration timeout) {
        return new ProviderCall("req_contract", request, deployment(upstream.baseUrl(), timeout), credential());
    }

    private Collected call(ChatRequest request, Duration timeout, Collected listener) {
        provider().streamChat(call(request, timeout), listener);
        return listener;
    }

    private GatewayException failure(ChatRequest request, Duration timeout) {
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(request, timeout), new Collected()));
        assertThat(error).as("the call must fail with a GatewayException").isNotNull();
        return error;
    }

    /**
     * The provider's words are kept for the log ({@link UpstreamException#detail()}) and appear nowhere a client can
     * see them: not in the message, nor in either dialect's error body.
     */
    public static void assertProviderTextOnlyInTheLog(GatewayException error, String providerText) {
        assertThat(error).isInstanceOf(UpstreamException.class);
        assertThat(((UpstreamException) error).detail()).as("kept for the log").contains(providerText);
        assertThat(error.getMessage()).doesNotContain(providerText);
        for (ErrorFormat format : List.of(OpenAiErrorFormat.INSTANCE, AnthropicErrorFormat.INSTANCE)) {
            assertThat(new String(format.body(error, "req_1"), StandardCharsets.UTF_8))
                    .doesNotContain(providerText);
        }
    }

    protected static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Collects what the provider reports, as the relay would see it. */
    public static class Collected implements ChatStreamListener {
        public final List<String> contentDeltas = new ArrayList<>();
        public final List<String> finishReasons = new ArrayList<>();
        public final CompletionAssembler assembled = new CompletionAssembler();
        public TokenUsage usage;

        @Override
        public void onChunk(StreamChunk chunk) {
            for (StreamDelta delta : chunk.deltas()) {
                if (delta instanceof StreamDelta.Text text && !text.text().isEmpty()) {
                    contentDeltas.add(text.text());
                }
                if (delta instanceof StreamDelta.Finish finish) {
                    finishReasons.add(finish.reason());
                }
            }
            assembled.add(chunk);
        }

        @Override
        public void onUsage(TokenUsage reported) {
            usage = usage == null ? reported : usage.plus(reported);
        }
    }
}
