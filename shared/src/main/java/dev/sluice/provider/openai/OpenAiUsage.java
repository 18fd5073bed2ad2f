package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.usage.TokenUsage;

/** OpenAI's {@code usage} object to {@link TokenUsage}, including cached and reasoning token details. */
final class OpenAiUsage {
    private OpenAiUsage() {
    }

    static TokenUsage toTokenUsage(JsonNode usage) {
        return new TokenUsage(
                usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }
}
