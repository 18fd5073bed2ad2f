package dev.sluice.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.usage.TokenUsage;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Relays one provider's output to the client: for a streaming client each chunk is written and flushed the moment it
 * arrives; otherwise the chunks are assembled into one {@code chat.completion}. Along the way it records what
 * billing needs: the time to the first token, the usage the provider reported (added up), and enough of the output
 * to estimate usage when the provider reported none.
 */
public final class ChatCompletionRelay implements ChatStreamListener {
    private static final Map<String, String> SSE_HEADERS = Map.of(
            "Content-Type", "text/event-stream; charset=utf-8",
            "Cache-Control", "no-cache",
            "X-Accel-Buffering", "no");
    private static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json");

    private final ResponseChannel channel;
    private final Map<String, String> extraHeaders;
    private final String completionId;
    private final String model;
    private final long created;
    private final boolean stream;
    private final boolean includeUsage;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final CompletionAssembler assembler;

    private SseWriter sse;
    private long firstTokenNanos = -1;
    private TokenUsage reportedUsage;
    private long outputChars;

    /**
     * @param model       the alias the client asked for, echoed in every chunk as OpenAI echoes the model
     * @param extraHeaders headers every response carries (the request id)
     */
    public ChatCompletionRelay(ResponseChannel channel, Map<String, String> extraHeaders, String completionId,
                               String model, long createdEpochSeconds, boolean stream, boolean includeUsage,
                               LongSupplier nanoClock, long startNanos) {
        this.channel = channel;
        this.extraHeaders = extraHeaders;
        this.completionId = completionId;
        this.model = model;
        this.created = createdEpochSeconds;
        this.stream = stream;
        this.includeUsage = includeUsage;
        this.nanoClock = nanoClock;
        this.startNanos = startNanos;
        this.assembler = stream ? null : new CompletionAssembler();
    }

    @Override
    public void onChoices(ArrayNode choices) {
        if (firstTokenNanos < 0) {
            firstTokenNanos = nanoClock.getAsLong();
        }
        for (JsonNode choice : choices) {
            JsonNode content = choice.path("delta").path("content");
            if (content.isTextual()) {
                outputChars += content.asText().length();
            }
        }
        if (stream) {
            ObjectNode chunk = envelope("chat.completion.chunk");
            chunk.set("choices", choices);
            if (includeUsage) {
                chunk.putNull("usage");
            }
            sse().data(Json.write(chunk));
        } else {
            assembler.add(choices);
        }
    }

    @Override
    public void onUsage(TokenUsage usage) {
        reportedUsage = reportedUsage == null ? usage : reportedUsage.plus(usage);
    }

    /** Ends a successful response with the usage the pipeline settled on. Stream: usage chunk, then [DONE]. */
    public void complete(TokenUsage usage) {
        if (stream) {
            if (includeUsage) {
                ObjectNode chunk = envelope("chat.completion.chunk");
                chunk.putArray("choices");
                chunk.set("usage", usageJson(usage));
                sse().data(Json.write(chunk));
            }
            sse().done();
        } else {
            ObjectNode completion = envelope("chat.completion");
            completion.set("choices", assembler.toCompletionChoices());
            completion.set("usage", usageJson(usage));
            channel.sendJson(200, headers(JSON_HEADERS), Json.write(completion));
        }
    }

    /**
     * Ends a failed response. Before the first byte the client gets the error's HTTP status and OpenAI's error body;
     * once streaming has begun, the status is already 200, so the stream ends with an error event and no [DONE].
     */
    public void fail(GatewayException error, String requestId) {
        if (sse != null) {
            sse.data(Json.write(ErrorResponses.errorObject(error, requestId)));
        } else {
            ErrorResponder.send(channel, extraHeaders, error, requestId);
        }
    }

    public boolean hasStarted() {
        return sse != null;
    }

    public TokenUsage reportedUsage() {
        return reportedUsage;
    }

    public long outputChars() {
        return outputChars;
    }

    /** Nanoseconds from the start of the request to the first chunk of output, or -1 when there was none. */
    public long timeToFirstTokenNanos() {
        return firstTokenNanos < 0 ? -1 : firstTokenNanos - startNanos;
    }

    private SseWriter sse() {
        if (sse == null) {
            sse = new SseWriter(channel.startStream(200, headers(SSE_HEADERS)));
        }
        return sse;
    }

    private Map<String, String> headers(Map<String, String> contentHeaders) {
        var all = new java.util.HashMap<>(extraHeaders);
        all.putAll(contentHeaders);
        return all;
    }

    private ObjectNode envelope(String object) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", completionId);
        node.put("object", object);
        node.put("created", created);
        node.put("model", model);
        return node;
    }

    static ObjectNode usageJson(TokenUsage usage) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.completionTokens());
        node.put("total_tokens", usage.totalTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedPromptTokens());
        node.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        return node;
    }
}
