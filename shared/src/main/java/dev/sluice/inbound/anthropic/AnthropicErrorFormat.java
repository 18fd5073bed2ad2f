package dev.sluice.inbound.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;

/** Anthropic's error body, {@code {"type":"error","error":{type,message},"request_id"}}, on {@code /v1/messages}. */
public final class AnthropicErrorFormat implements ErrorFormat {
    public static final AnthropicErrorFormat INSTANCE = new AnthropicErrorFormat();

    private AnthropicErrorFormat() {}

    @Override
    public ObjectNode errorObject(GatewayException error, String requestId) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("type", "error");
        ObjectNode body = root.putObject("error");
        body.put("type", anthropicType(error.status()));
        body.put("message", ErrorResponses.clientMessage(error, requestId));
        if (requestId != null) {
            root.put("request_id", requestId);
        }
        return root;
    }

    /** Anthropic's error types by HTTP status (docs.anthropic.com, "Errors"). */
    static String anthropicType(int status) {
        return switch (status) {
            case 400, 405, 409, 415, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    @Override
    public String toString() {
        return "anthropic";
    }
}
