package dev.sluice.inbound.openai;

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

/** OpenAI's API: {@code POST /v1/chat/completions}, {@code GET /v1/models}. */
public final class OpenAiInbound implements InboundDialect {
    public static final OpenAiInbound INSTANCE = new OpenAiInbound();

    private OpenAiInbound() {}

    @Override
    public ErrorFormat errors() {
        return OpenAiErrorFormat.INSTANCE;
    }

    @Override
    public ChatRequest parse(byte[] body) {
        return ChatRequest.parse(body);
    }

    @Override
    public ResponseRelay relay(ResponseChannel out, String requestId, ChatRequest request, long createdEpochSeconds) {
        return new ChatCompletionRelay(
                out,
                "chatcmpl-" + requestId,
                request.model(),
                createdEpochSeconds,
                request.stream(),
                request.includeUsage());
    }

    @Override
    public ObjectNode modelList(List<Route> routes) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        routes.forEach(route -> data.add(model(route)));
        return list;
    }

    @Override
    public ObjectNode model(Route route) {
        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("id", route.alias());
        model.put("object", "model");
        model.put("created", 0); // routes carry no creation time; OpenAI clients only display it
        model.put("owned_by", route.primary().provider());
        return model;
    }
}
