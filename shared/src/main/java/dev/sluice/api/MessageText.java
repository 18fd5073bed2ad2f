package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Flattens OpenAI message content (a string or an array of parts) to its text, for estimates and the demo model. */
public final class MessageText {
    private MessageText() {}

    public static String of(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                if (!text.isEmpty()) {
                    text.append(' ');
                }
                text.append(part.path("text").asText());
            }
        }
        return text.toString();
    }
}
