package dev.sluice.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Relays one provider's output (OpenAI-shaped chunk choices, whatever the provider) to the client in the dialect of
 * the API it called. This base records what billing needs whatever the dialect: the time to the first token, the usage
 * the provider reported (added up), and how much output went out, to estimate usage when the provider reported none.
 *
 * <p>Subclasses: {@link ChatCompletionRelay} (OpenAI chat completions) and {@link AnthropicMessagesRelay}
 * (Anthropic messages).
 */
public abstract class ResponseRelay implements ChatStreamListener {
    protected static final Map<String, String> SSE_HEADERS = Map.of(
            "Content-Type", "text/event-stream; charset=utf-8",
            "Cache-Control", "no-cache",
            "X-Accel-Buffering", "no");
    protected static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json");

    protected final ResponseChannel channel;
    protected final Map<String, String> extraHeaders;
    private final LongSupplier nanoClock;
    private final long startNanos;

    /** Output kept for counting tokens if the provider reports none; beyond this, characters are counted instead. */
    private static final int MAX_KEPT_OUTPUT = 256 * 1024;

    private long firstTokenNanos = -1;
    private ArrayNode heldRoleChunk;
    private TokenUsage reportedUsage;
    private long outputChars;
    private final StringBuilder keptOutput = new StringBuilder();

    protected ResponseRelay(ResponseChannel channel, Map<String, String> extraHeaders, LongSupplier nanoClock,
                            long startNanos) {
        this.channel = channel;
        this.extraHeaders = extraHeaders;
        this.nanoClock = nanoClock;
        this.startNanos = startNanos;
    }

    /**
     * A role-only chunk before any output is held back: it carries nothing the client needs yet, and sending it would
     * start the response, which rules out failing over to the next deployment if this one fails before its first
     * token (Anthropic, for one, often reports overload right after {@code message_start}).
     */
    @Override
    public final void onChoices(ArrayNode choices) {
        if (firstTokenNanos < 0) {
            if (isRoleOnly(choices)) {
                heldRoleChunk = choices;
                return;
            }
            firstTokenNanos = nanoClock.getAsLong();
            flushHeldRoleChunk();
        }
        for (JsonNode choice : choices) {
            JsonNode delta = choice.path("delta");
            keep(delta.get("content"));
            keep(delta.get("reasoning_content"));
            keep(delta.get("refusal"));
            for (JsonNode call : delta.path("tool_calls")) {
                keep(call.path("function").get("name"));
                keep(call.path("function").get("arguments"));
            }
        }
        relay(choices);
    }

    @Override
    public final void onUsage(TokenUsage usage) {
        reportedUsage = reportedUsage == null ? usage : reportedUsage.plus(usage);
    }

    /** Writes (stream) or collects (whole response) one chunk's choices. */
    protected abstract void relay(ArrayNode choices);

    /** Ends a successful response with the usage the pipeline settled on. */
    public final void complete(TokenUsage usage) {
        flushHeldRoleChunk();
        completeResponse(usage);
    }

    protected abstract void completeResponse(TokenUsage usage);

    /**
     * Ends a failed response. Before the first byte the client gets the error's HTTP status and error body; once
     * streaming has begun the status is already 200, so the stream ends with an error event instead of its normal end.
     */
    public abstract void fail(GatewayException error, String requestId);

    /** True once the response status and headers have gone out: from then on failover is impossible. */
    public abstract boolean hasStarted();

    /** True once a chunk with output (not just a role) was relayed: from then on failover is impossible. */
    public final boolean hasOutput() {
        return firstTokenNanos >= 0;
    }

    /** The usage the provider reported, summed; null when it reported none. */
    public final TokenUsage reportedUsage() {
        return reportedUsage;
    }

    public final long outputChars() {
        return outputChars;
    }

    /** Output tokens counted with the tokenizer, for when the provider reported none. */
    public final long estimatedOutputTokens() {
        return TokenEstimator.ofText(keptOutput) + TokenEstimator.ofChars(outputChars - keptOutput.length());
    }

    /** Nanoseconds from the start of the request to the first chunk of output, or -1 when there was none. */
    public final long timeToFirstTokenNanos() {
        return firstTokenNanos < 0 ? -1 : firstTokenNanos - startNanos;
    }

    protected final Map<String, String> headers(Map<String, String> contentHeaders) {
        Map<String, String> all = new HashMap<>(extraHeaders);
        all.putAll(contentHeaders);
        return all;
    }

    private void flushHeldRoleChunk() {
        if (heldRoleChunk != null) {
            ArrayNode held = heldRoleChunk;
            heldRoleChunk = null;
            relay(held);
        }
    }

    private static boolean isRoleOnly(ArrayNode choices) {
        for (JsonNode choice : choices) {
            JsonNode finish = choice.get("finish_reason");
            if (finish != null && !finish.isNull()) {
                return false;
            }
            for (var field : choice.path("delta").properties()) {
                String name = field.getKey();
                JsonNode value = field.getValue();
                boolean empty = value.isNull() || (value.isTextual() && value.asText().isEmpty());
                if (!name.equals("role") && !empty) {
                    return false;
                }
            }
        }
        return true;
    }

    private void keep(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return;
        }
        String text = node.asText();
        outputChars += text.length();
        if (keptOutput.length() + text.length() <= MAX_KEPT_OUTPUT) {
            keptOutput.append(text);
        }
    }
}
