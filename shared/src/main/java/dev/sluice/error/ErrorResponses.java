package dev.sluice.error;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;

/**
 * Maps any failure to what the client sees: an HTTP status and OpenAI's error body
 * {@code {"error":{"message","type","param","code"}}}. The one place where exceptions meet the wire.
 */
public final class ErrorResponses {
    private ErrorResponses() {
    }

    /** A gateway exception as is; anything else as a generic 500 that reveals nothing but the request id. */
    public static GatewayException classify(Throwable failure) {
        return failure instanceof GatewayException known ? known : GatewayException.internal(failure);
    }

    public static byte[] body(GatewayException error, String requestId) {
        return Json.write(errorObject(error, requestId));
    }

    /** The {@code {"error":{...}}} object, also used as the payload of an SSE error event mid-stream. */
    public static ObjectNode errorObject(GatewayException error, String requestId) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode body = root.putObject("error");
        body.put("message", clientMessage(error, requestId));
        body.put("type", error.type());
        body.put("param", error.param());
        body.put("code", error.code());
        return root;
    }

    /** The message a client sees; server-side failures carry the request id so support can find the log. */
    static String clientMessage(GatewayException error, String requestId) {
        String message = error.getMessage();
        if (error.status() >= 500 && requestId != null) {
            message = message + " (request id: " + requestId + ")";
        }
        return message;
    }
}
