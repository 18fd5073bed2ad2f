package dev.sluice.quota;

import dev.sluice.route.Pricing;

/**
 * The most a request can cost, as admission reserves it.
 *
 * @param promptTokens    an upper bound of the prompt's tokens (see {@link dev.sluice.pipeline.PromptBound})
 * @param requestedOutput the caller's {@code max_tokens}, or -1 when it set none
 * @param defaultOutput   the output reserved (and sent upstream as {@code max_tokens}) when the caller set none and a
 *                        token or money limit needs a bound
 * @param pricing         the prices of the deployment that will serve first
 */
public record Demand(long promptTokens, long requestedOutput, long defaultOutput, Pricing pricing) {

    /** An embeddings call: a prompt and no output. */
    public static Demand promptOnly(long promptTokens, Pricing pricing) {
        return new Demand(promptTokens, 0, 0, pricing);
    }

    Charge charge(long output) {
        return new Charge(1, promptTokens + output, pricing.costMicros(promptTokens, 0, output));
    }
}
