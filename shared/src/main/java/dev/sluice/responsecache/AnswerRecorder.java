package dev.sluice.responsecache;

import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.route.Deployment;
import dev.sluice.usage.TokenUsage;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a live answer's chunks beside the relay, for the cache. It gives up (and the answer is not stored) on output
 * it could not replay (an untyped delta, which only the upstream's own bytes carry) or past {@link #MAX_CHARS}, so a
 * recording never holds more than a bounded amount of memory.
 *
 * <p>Cost per chunk: one list append of the chunk the relay already has (no copy).
 */
public final class AnswerRecorder implements ChatStreamListener {
    /** Longer answers are not cached: they would not fit an item even compressed, and rarely repeat. */
    public static final long MAX_CHARS = 1_000_000;

    private final List<StreamChunk> chunks = new ArrayList<>();
    private TokenUsage usage;
    private long chars;
    private boolean finished;
    private boolean unstorable;

    @Override
    public void onChunk(StreamChunk chunk) {
        if (unstorable || !chunk.hasOutput()) {
            return;
        }
        for (StreamDelta delta : chunk.deltas()) {
            switch (delta) {
                case StreamDelta.Text t -> chars += t.text().length();
                case StreamDelta.Reasoning r -> chars += r.text().length();
                case StreamDelta.Refusal r -> chars += r.text().length();
                case StreamDelta.ToolCallArguments a -> chars += a.fragment().length();
                case StreamDelta.ToolCallStart c -> chars += 16;
                case StreamDelta.Finish f -> finished = true;
                case StreamDelta.Untyped u -> unstorable = true;
            }
        }
        if (chars > MAX_CHARS) {
            unstorable = true;
            chunks.clear();
            return;
        }
        chunks.add(chunk); // the codec keeps only the deltas
    }

    @Override
    public void onUsage(TokenUsage reported) {
        usage = usage == null ? reported : usage.plus(reported);
    }

    /**
     * The answer to store, or null when it must not be: cut short (no finish), unreplayable, too long, or without
     * the provider's usage (an estimate would be billed as savings later).
     */
    public CachedAnswer answer(Deployment servedBy) {
        if (unstorable || !finished || usage == null || chunks.isEmpty()) {
            return null;
        }
        return new CachedAnswer(chunks, usage, servedBy.provider(), servedBy.upstreamModel());
    }
}
