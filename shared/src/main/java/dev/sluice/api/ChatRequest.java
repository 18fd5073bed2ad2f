package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import java.util.Set;

/**
 * A validated OpenAI {@code POST /v1/chat/completions} body. The typed fields are what the gateway itself acts on;
 * {@link #body()} keeps the caller's whole JSON so an OpenAI-compatible upstream receives every field it sent,
 * including ones Sluice does not know yet.
 */
public record ChatRequest(String model, ArrayNode messages, boolean stream, boolean includeUsage, ObjectNode body) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    /** Parses and validates; every failure is a 400 naming the offending parameter. */
    public static ChatRequest parse(byte[] json) {
        return of(JsonBodies.object(json));
    }

    public static ChatRequest of(ObjectNode body) {
        String model = requiredString(body, "model");
        ArrayNode messages = messages(body);
        boolean stream = optionalBoolean(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw wrongType("stream_options", "an object");
            }
            includeUsage = optionalBoolean((ObjectNode) options, "include_usage", "stream_options.include_usage");
        }
        positiveInteger(body, "max_tokens");
        positiveInteger(body, "max_completion_tokens");
        positiveInteger(body, "n");
        numberInRange(body, "temperature", 0, 2);
        numberInRange(body, "top_p", 0, 1);
        return new ChatRequest(model, messages, stream, includeUsage, body);
    }

    /** The text of the last user message, or "" when it has none (used by the demo model and estimators). */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            if ("user".equals(message.path("role").asText())) {
                return MessageText.of(message.get("content"));
            }
        }
        return "";
    }

    private static String requiredString(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: '" + field + "'.", field);
        }
        if (!value.isTextual()) {
            throw wrongType(field, "a string");
        }
        if (value.asText().isBlank()) {
            throw GatewayException.invalidRequest("'" + field + "' must not be empty.", field);
        }
        return value.asText();
    }

    private static ArrayNode messages(ObjectNode body) {
        JsonNode value = body.get("messages");
        if (value == null || value.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: 'messages'.", "messages");
        }
        if (!(value instanceof ArrayNode messages)) {
            throw wrongType("messages", "an array");
        }
        if (messages.isEmpty()) {
            throw GatewayException.invalidRequest(
                    "'messages' must contain at least one message.", "messages", "empty_array");
        }
        for (int i = 0; i < messages.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw wrongType(param, "an object");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual()) {
                throw GatewayException.invalidRequest(
                        "Missing required parameter: '" + param + ".role'.", param + ".role");
            }
            if (!ROLES.contains(role.asText())) {
                throw GatewayException.invalidRequest(
                        "Invalid value for '" + param + ".role': '" + role.asText()
                                + "'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool'.",
                        param + ".role");
            }
            JsonNode content = message.get("content");
            boolean mayOmitContent = "assistant".equals(role.asText());
            if (content == null || content.isNull()) {
                if (!mayOmitContent) {
                    throw GatewayException.invalidRequest(
                            "Missing required parameter: '" + param + ".content'.", param + ".content");
                }
            } else if (!content.isTextual() && !content.isArray()) {
                throw wrongType(param + ".content", "a string or an array of content parts");
            }
        }
        return messages;
    }

    private static boolean optionalBoolean(ObjectNode body, String field) {
        return optionalBoolean(body, field, field);
    }

    private static boolean optionalBoolean(ObjectNode body, String field, String param) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw wrongType(param, "a boolean");
        }
        return value.booleanValue();
    }

    private static void positiveInteger(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw wrongType(field, "an integer");
        }
        if (value.intValue() < 1) {
            throw GatewayException.invalidRequest(
                    "Invalid '" + field + "': it must be at least 1.", field, "integer_below_min_value");
        }
    }

    private static void numberInRange(ObjectNode body, String field, double min, double max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isNumber()) {
            throw wrongType(field, "a number");
        }
        double number = value.doubleValue();
        if (number < min || number > max) {
            throw GatewayException.invalidRequest(
                    "Invalid '" + field + "': it must be between " + trim(min) + " and " + trim(max) + ", got "
                            + value.asText() + ".",
                    field,
                    "decimal_out_of_range");
        }
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static GatewayException wrongType(String param, String expected) {
        return GatewayException.invalidRequest(
                "Invalid type for '" + param + "': expected " + expected + ".", param, "invalid_type");
    }
}
