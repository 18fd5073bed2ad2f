package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.usage.TokenUsage;

/** OpenAI's {@code usage} object to {@link TokenUsage}, including cached and reasoning token details. */
final class OpenAiUsage {
    private OpenAiUsage() {}

    static TokenUsage toTokenUsage(JsonNode usage) {
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        if (cached == 0) {
            cached = usage.path("prompt_cache_hit_tokens").asLong(0); // DeepSeek's context caching
        }
        return new TokenUsage(
                usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0),
                cached,
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }
}
