package dev.sluice.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.MessageText;

/**
 * A rough token count for when a provider reports none: about four characters per token for English text plus a
 * small per-message overhead, as OpenAI's own guidance puts it. Events built from it are marked {@code estimated}.
 */
public final class TokenEstimator {
    private static final int PER_MESSAGE_OVERHEAD = 4;

    private TokenEstimator() {
    }

    public static long ofText(CharSequence text) {
        return text.isEmpty() ? 0 : (text.length() + 3) / 4;
    }

    public static long ofMessages(JsonNode messages) {
        long tokens = 3;
        for (JsonNode message : messages) {
            tokens += PER_MESSAGE_OVERHEAD + ofText(MessageText.of(message.get("content")));
        }
        return tokens;
    }
}
