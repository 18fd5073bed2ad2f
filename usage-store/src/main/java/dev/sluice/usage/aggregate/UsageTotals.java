package dev.sluice.usage.aggregate;

import dev.sluice.usage.event.UsageEvent;

/** Summed usage: what one row of the usage table holds, and what one batch adds to it. */
public record UsageTotals(
        long requests,
        long errors,
        long promptTokens,
        long completionTokens,
        long cachedPromptTokens,
        long reasoningTokens,
        long costMicros) {
    public static final UsageTotals ZERO = new UsageTotals(0, 0, 0, 0, 0, 0, 0);

    public static UsageTotals of(UsageEvent event) {
        return new UsageTotals(
                1,
                event.isError() ? 1 : 0,
                event.promptTokens(),
                event.completionTokens(),
                event.cachedPromptTokens(),
                event.reasoningTokens(),
                event.costMicros());
    }

    public UsageTotals plus(UsageTotals other) {
        return new UsageTotals(
                requests + other.requests,
                errors + other.errors,
                promptTokens + other.promptTokens,
                completionTokens + other.completionTokens,
                cachedPromptTokens + other.cachedPromptTokens,
                reasoningTokens + other.reasoningTokens,
                costMicros + other.costMicros);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
