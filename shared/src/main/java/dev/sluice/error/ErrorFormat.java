package dev.sluice.error;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;

/**
 * The error dialect of the API a client called: OpenAI's {@code {"error":{message,type,param,code}}} on the OpenAI
 * endpoints, Anthropic's {@code {"type":"error","error":{type,message}}} on {@code /v1/messages}. The status and the
 * message are the same in both; only the wrapping and the type names differ.
 */
public enum ErrorFormat {
    OPENAI {
        @Override
        public ObjectNode errorObject(GatewayException error, String requestId) {
            return ErrorResponses.errorObject(error, requestId);
        }
    },
    ANTHROPIC {
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
    };

    /** The whole error body (also the payload of a mid-stream error event). */
    public abstract ObjectNode errorObject(GatewayException error, String requestId);

    public byte[] body(GatewayException error, String requestId) {
        return Json.write(errorObject(error, requestId));
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
}
