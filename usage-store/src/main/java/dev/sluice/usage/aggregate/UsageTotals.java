package dev.sluice.usage.aggregate;

import dev.sluice.usage.event.UsageEvent;

/**
 * Summed usage: what one row of the usage table holds, and what one batch adds to it.
 *
 * <p>A response-cache hit is a request like any other (it counts in {@code requests}), billed at 0 tokens and 0 cost
 * by the gateway; {@code cacheHits}, {@code cacheSavedTokens} and {@code cacheSavedMicros} say how many requests the
 * cache answered and what those answers would have cost from a provider.
 *
 * @param cacheHits        requests answered from the response cache
 * @param cacheSavedTokens prompt and completion tokens the cache hits did not spend
 * @param cacheSavedMicros what the cache hits would have cost (micro-USD)
 */
public record UsageTotals(
        long requests,
        long errors,
        long promptTokens,
        long completionTokens,
        long cachedPromptTokens,
        long reasoningTokens,
        long costMicros,
        long cacheHits,
        long cacheSavedTokens,
        long cacheSavedMicros) {
    public static final UsageTotals ZERO = new UsageTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Totals without cache hits (as rows were before the response cache). */
    public UsageTotals(
            long requests,
            long errors,
            long promptTokens,
            long completionTokens,
            long cachedPromptTokens,
            long reasoningTokens,
            long costMicros) {
        this(
                requests,
                errors,
                promptTokens,
                completionTokens,
                cachedPromptTokens,
                reasoningTokens,
                costMicros,
                0,
                0,
                0);
    }

    /**
     * One event's totals. The event's counts are taken as the gateway published them: on a hit its tokens and cost are
     * already 0 and its savings are set, on a miss its savings are 0.
     */
    public static UsageTotals of(UsageEvent event) {
        return new UsageTotals(
                1,
                event.isError() ? 1 : 0,
                event.promptTokens(),
                event.completionTokens(),
                event.cachedPromptTokens(),
                event.reasoningTokens(),
                event.costMicros(),
                event.cacheHit() ? 1 : 0,
                event.cacheSavedTokens(),
                event.cacheSavedMicros());
    }

    public UsageTotals plus(UsageTotals other) {
        return new UsageTotals(
                requests + other.requests,
                errors + other.errors,
                promptTokens + other.promptTokens,
                completionTokens + other.completionTokens,
                cachedPromptTokens + other.cachedPromptTokens,
                reasoningTokens + other.reasoningTokens,
                costMicros + other.costMicros,
                cacheHits + other.cacheHits,
                cacheSavedTokens + other.cacheSavedTokens,
                cacheSavedMicros + other.cacheSavedMicros);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
