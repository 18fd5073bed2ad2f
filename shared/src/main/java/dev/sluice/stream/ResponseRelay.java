package dev.sluice.stream;

import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.usage.TokenUsage;
import java.util.Map;

/**
 * Relays one provider's output (typed stream chunks, whatever the provider) to the client in the dialect of the API
 * it called. A relay only writes to the client: what billing needs is measured beside it by a
 * {@link dev.sluice.usage.UsageMeter}, which also owns the usage the provider reports.
 *
 * <p>Each inbound dialect has its relay: {@code inbound.openai.ChatCompletionRelay} (OpenAI chat completions) and
 * {@code inbound.anthropic.AnthropicMessagesRelay} (Anthropic messages).
 */
public abstract class ResponseRelay implements ChatStreamListener {
    protected static final Map<String, String> SSE_HEADERS = Map.of(
            "Content-Type", "text/event-stream; charset=utf-8",
            "Cache-Control", "no-cache",
            "X-Accel-Buffering", "no");
    protected static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json");

    protected final ResponseChannel channel;

    private boolean outputSeen;
    private StreamChunk heldStart;

    /** The request-id headers are the HTTP layer's: it stamps them on every response. */
    protected ResponseRelay(ResponseChannel channel) {
        this.channel = channel;
    }

    /**
     * A chunk without output before any output is held back: it carries nothing the client needs yet, and sending it
     * would start the response, which rules out failing over to the next deployment if this one fails before its
     * first token (Anthropic, for one, often reports overload right after {@code message_start}).
     */
    @Override
    public final void onChunk(StreamChunk chunk) {
        if (!outputSeen) {
            if (!chunk.hasOutput()) {
                heldStart = chunk;
                return;
            }
            outputSeen = true;
            flushHeldStart();
        }
        relay(chunk);
    }

    /** Usage is the meter's: the dialect gets the settled usage in {@link #complete}. */
    @Override
    public final void onUsage(TokenUsage usage) {}

    /** Writes (stream) or collects (whole response) one chunk. */
    protected abstract void relay(StreamChunk chunk);

    /** Ends a successful response with the usage the pipeline settled on. */
    public final void complete(TokenUsage usage) {
        flushHeldStart();
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

    private void flushHeldStart() {
        if (heldStart != null) {
            StreamChunk held = heldStart;
            heldStart = null;
            relay(held);
        }
    }
}
