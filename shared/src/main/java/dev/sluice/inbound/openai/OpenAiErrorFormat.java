package dev.sluice.inbound.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;

/** OpenAI's error body, {@code {"error":{"message","type","param","code"}}}, on every OpenAI endpoint. */
public final class OpenAiErrorFormat implements ErrorFormat {
    public static final OpenAiErrorFormat INSTANCE = new OpenAiErrorFormat();

    private OpenAiErrorFormat() {}

    @Override
    public ObjectNode errorObject(GatewayException error, String requestId) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode body = root.putObject("error");
        body.put("message", ErrorResponses.clientMessage(error, requestId));
        body.put("type", error.type());
        body.put("param", error.param());
        body.put("code", error.code());
        return root;
    }

    @Override
    public String toString() {
        return "openai";
    }
}
