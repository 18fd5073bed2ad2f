package dev.sluice.usage;

/**
 * Tokens of one call by kind. Cached prompt tokens are included in {@code promptTokens} (OpenAI's convention);
 * reasoning tokens are included in {@code completionTokens}. Usage reported in several events is added with
 * {@link #plus}, never overwritten.
 */
public record TokenUsage(long promptTokens, long completionTokens, long cachedPromptTokens, long reasoningTokens) {
    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

    public TokenUsage {
        if (promptTokens < 0 || completionTokens < 0 || cachedPromptTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0");
        }
    }

    public static TokenUsage of(long promptTokens, long completionTokens) {
        return new TokenUsage(promptTokens, completionTokens, 0, 0);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(
                promptTokens + other.promptTokens,
                completionTokens + other.completionTokens,
                cachedPromptTokens + other.cachedPromptTokens,
                reasoningTokens + other.reasoningTokens);
    }
}
