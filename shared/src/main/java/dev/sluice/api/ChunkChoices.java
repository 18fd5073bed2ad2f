package dev.sluice.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;

/** Builds the {@code choices} of OpenAI stream chunks for providers that do not speak OpenAI natively. */
public final class ChunkChoices {
    private ChunkChoices() {
    }

    public static ArrayNode role(String role) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        ObjectNode choice = choice(choices);
        choice.putObject("delta").put("role", role).put("content", "");
        choice.putNull("finish_reason");
        return choices;
    }

    public static ArrayNode content(String text) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        ObjectNode choice = choice(choices);
        choice.putObject("delta").put("content", text);
        choice.putNull("finish_reason");
        return choices;
    }

    public static ArrayNode finish(String reason) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        ObjectNode choice = choice(choices);
        choice.putObject("delta");
        choice.put("finish_reason", reason);
        return choices;
    }

    private static ObjectNode choice(ArrayNode choices) {
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        return choice;
    }
}
