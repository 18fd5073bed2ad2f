package dev.sluice.inbound.anthropic;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.ErrorFormat;
import dev.sluice.inbound.InboundDialect;
import dev.sluice.json.Json;
import dev.sluice.route.Route;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import java.util.List;

/** Anthropic's Messages API: {@code POST /v1/messages}, and model listing for callers sending anthropic-version. */
public final class AnthropicInbound implements InboundDialect {
    public static final AnthropicInbound INSTANCE = new AnthropicInbound();

    private AnthropicInbound() {}

    @Override
    public ErrorFormat errors() {
        return AnthropicErrorFormat.INSTANCE;
    }

    @Override
    public ChatRequest parse(byte[] body) {
        return AnthropicMessagesRequest.parse(body).toChatRequest();
    }

    @Override
    public ResponseRelay relay(ResponseChannel out, String requestId, ChatRequest request, long createdEpochSeconds) {
        return new AnthropicMessagesRelay(out, "msg_" + requestId, request.model(), request.stream());
    }

    @Override
    public ObjectNode modelList(List<Route> routes) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        ArrayNode data = list.putArray("data");
        routes.forEach(route -> data.add(model(route)));
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

    @Override
    public ObjectNode model(Route route) {
        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("type", "model");
        model.put("id", route.alias());
        model.put("display_name", route.alias());
        model.put("created_at", "1970-01-01T00:00:00Z");
        return model;
    }
}
