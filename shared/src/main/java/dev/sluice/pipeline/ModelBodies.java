package dev.sluice.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.route.Route;
import java.util.List;

/** Model objects as OpenAI's and Anthropic's SDKs read them; a model is a route alias the key may use. */
final class ModelBodies {
    private ModelBodies() {
    }

    static ObjectNode openAiList(List<Route> routes) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        routes.forEach(route -> data.add(openAiModel(route)));
        return list;
    }

    static ObjectNode openAiModel(Route route) {
        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("id", route.alias());
        model.put("object", "model");
        model.put("created", 0); // routes carry no creation time; OpenAI clients only display it
        model.put("owned_by", route.primary().provider());
        return model;
    }

    static ObjectNode anthropicList(List<Route> routes) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        ArrayNode data = list.putArray("data");
        routes.forEach(route -> data.add(anthropicModel(route)));
        list.put("has_more", false);
        if (routes.isEmpty()) {
            list.putNull("first_id");
            list.putNull("last_id");
        } else {
            list.put("first_id", routes.getFirst().alias());
            list.put("last_id", routes.getLast().alias());
        }
        return list;
    }

    static ObjectNode anthropicModel(Route route) {
        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("type", "model");
        model.put("id", route.alias());
        model.put("display_name", route.alias());
        model.put("created_at", "1970-01-01T00:00:00Z");
        return model;
    }
}
