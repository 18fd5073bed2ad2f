package dev.sluice.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.MessageText;

/**
 * A token count for when a provider reports none: about four characters per token for English text plus a small
 * per-message overhead, as OpenAI's own guidance puts it. Events built from it are marked {@code estimated}.
 */
public final class TokenEstimator {
    private static final int PER_MESSAGE_OVERHEAD = 4;
    /** What an image costs at OpenAI's "low" detail; a floor, since the real cost depends on its size. */
    private static final int PER_IMAGE = 85;

    private TokenEstimator() {
    }

    public static long ofText(CharSequence text) {
        return ofChars(text.length());
    }

    public static long ofChars(long chars) {
        return chars <= 0 ? 0 : (chars + 3) / 4;
    }

    public static long ofMessages(JsonNode messages) {
        long tokens = 3;
        for (JsonNode message : messages) {
            tokens += PER_MESSAGE_OVERHEAD + ofText(MessageText.of(message.get("content")));
            for (JsonNode part : message.path("content")) {
                if ("image_url".equals(part.path("type").asText())) {
                    tokens += PER_IMAGE;
                }
            }
            for (JsonNode call : message.path("tool_calls")) {
                tokens += ofText(call.path("function").path("name").asText())
                        + ofText(call.path("function").path("arguments").asText());
            }
        }
        return tokens;
    }

    /** The prompt of a chat request: its messages and the tool definitions sent with them. */
    public static long ofChatRequest(ChatRequest request) {
        long tokens = ofMessages(request.messages());
        JsonNode tools = request.body().get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            tokens += ofText(tools.toString());
        }
        return tokens;
    }
}
