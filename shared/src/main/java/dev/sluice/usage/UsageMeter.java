package dev.sluice.usage;

import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import java.util.function.LongSupplier;

/**
 * Measures one chat call's output for billing, beside the relay that writes it to the client (the provider's
 * listener is {@code tee(meter, relay)}): the usage the provider reported, added up; the time to the first chunk of
 * output; and how much output there was, to estimate the usage when the provider reported none. Whatever the client
 * API, the same measure.
 *
 * <p>One meter serves every deployment a request fails over to: what a failed attempt reported is still counted.
 *
 * <p>Cost per streamed chunk: a look at the chunk's deltas and an append of their text to one buffer (up to 256 KiB a
 * request, then a character count); no parsing, no allocation beyond the buffer's growth.
 */
public final class UsageMeter implements ChatStreamListener {
    /** Output kept for counting tokens if the provider reports none; beyond this, characters are counted instead. */
    static final int MAX_KEPT_OUTPUT = 256 * 1024;

    private final LongSupplier nanoClock;
    private final long startNanos;
    private final StringBuilder keptOutput = new StringBuilder();
    private long firstOutputNanos = -1;
    private long outputChars;
    private TokenUsage reportedUsage;

    /** @param startNanos when the request started, on {@code nanoClock} */
    public UsageMeter(LongSupplier nanoClock, long startNanos) {
        this.nanoClock = nanoClock;
        this.startNanos = startNanos;
    }

    @Override
    public void onChunk(StreamChunk chunk) {
        if (!chunk.hasOutput()) {
            return;
        }
        if (firstOutputNanos < 0) {
            firstOutputNanos = nanoClock.getAsLong();
        }
        for (StreamDelta delta : chunk.deltas()) {
            switch (delta) {
                case StreamDelta.Text text -> keep(text.text());
                case StreamDelta.Reasoning reasoning -> keep(reasoning.text());
                case StreamDelta.Refusal refusal -> keep(refusal.text());
                case StreamDelta.ToolCallStart start -> keep(start.name());
                case StreamDelta.ToolCallArguments arguments -> keep(arguments.fragment());
                case StreamDelta.Finish finish -> {
                    // no output of its own
                }
                case StreamDelta.Untyped untyped -> {
                    // output, but nothing to count it by
                }
            }
        }
    }

    @Override
    public void onUsage(TokenUsage usage) {
        reportedUsage = reportedUsage == null ? usage : reportedUsage.plus(usage);
    }

    /** True once a chunk with output (not just the start of the turn) arrived: from then on failover is impossible. */
    public boolean hasOutput() {
        return firstOutputNanos >= 0;
    }

    /** The usage the provider reported, summed; null when it reported none. */
    public TokenUsage reportedUsage() {
        return reportedUsage;
    }

    /** Characters of output: text, reasoning, refusals, tool names and arguments. */
    public long outputChars() {
        return outputChars;
    }

    /** Output tokens counted with the tokenizer, for when the provider reported none. */
    public long estimatedOutputTokens() {
        return TokenEstimator.ofText(keptOutput) + TokenEstimator.ofChars(outputChars - keptOutput.length());
    }

    /** When the first chunk of output arrived, on {@code nanoClock}, or -1 when none has. */
    public long firstOutputAtNanos() {
        return firstOutputNanos;
    }

    /** Nanoseconds from the start of the request to the first chunk of output, or -1 when there was none. */
    public long timeToFirstTokenNanos() {
        return firstOutputNanos < 0 ? -1 : firstOutputNanos - startNanos;
    }

    private void keep(String text) {
        if (text == null) {
            return;
        }
        outputChars += text.length();
        if (keptOutput.length() + text.length() <= MAX_KEPT_OUTPUT) {
            keptOutput.append(text);
        }
    }
}
