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

    /**
     * The most output tokens a call with {@code promptTokens} (uncached) can produce without costing more than
     * {@code budgetMicros}, after {@link #costMicros}' rounding; -1 when the prompt alone costs more, and
     * {@link Long#MAX_VALUE} when output is free.
     */
    public long maxOutputTokensWithin(long promptTokens, long budgetMicros) {
        if (costMicros(promptTokens, 0, 0) > budgetMicros) {
            return -1;
        }
        if (outputPerMillion == 0) {
            return Long.MAX_VALUE;
        }
        try {
            // costMicros rounds half up: cost <= budget  <=>  millionths <= budget * 1e6 + 499_999
            long room = Math.addExact(Math.multiplyExact(budgetMicros, 1_000_000L), 499_999L)
                    - Math.multiplyExact(promptTokens, inputPerMillion);
            return room / outputPerMillion;
        } catch (ArithmeticException beyondAnyBudget) {
            return Long.MAX_VALUE;
        }
    }
}
