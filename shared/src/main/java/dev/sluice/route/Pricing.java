package dev.sluice.route;

/**
 * Prices in integer micro-USD per one million tokens ($0.15 / 1M tokens is {@code 150_000}). Integers keep totals
 * exact; the per-request cost is rounded half-up to whole micro-USD once, in {@link #costMicros}.
 */
public record Pricing(long inputPerMillion, long outputPerMillion, long cachedInputPerMillion) {
    public static final Pricing FREE = new Pricing(0, 0, 0);

    public Pricing {
        if (inputPerMillion < 0 || outputPerMillion < 0 || cachedInputPerMillion < 0) {
            throw new IllegalArgumentException("prices must be >= 0");
        }
    }

    /** Cost of one call; cached prompt tokens are part of {@code promptTokens} and billed at the cached price. */
    public long costMicros(long promptTokens, long cachedPromptTokens, long completionTokens) {
        long cached = Math.min(cachedPromptTokens, promptTokens);
        long uncached = promptTokens - cached;
        long millionths = Math.addExact(
                Math.addExact(
                        Math.multiplyExact(uncached, inputPerMillion),
                        Math.multiplyExact(cached, cachedInputPerMillion)),
                Math.multiplyExact(completionTokens, outputPerMillion));
        return (millionths + 500_000) / 1_000_000;
    }
}
