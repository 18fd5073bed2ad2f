package dev.sluice.inbound.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;

/**
 * Typed reads of an Anthropic request's fields; every failure is a 400 naming the parameter by its path in the
 * caller's JSON ({@code messages[2].content[0].source}), worded like the OpenAI endpoint's errors.
 */
final class AnthropicFields {
    private AnthropicFields() {}

    static JsonNode required(JsonNode parent, String field, String param) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: '" + param + "'.", param);
        }
        return value;
    }

    static String requiredString(JsonNode parent, String field, String param) {
        JsonNode value = required(parent, field, param);
        if (!value.isTextual()) {
            throw wrongType(param, "a string");
        }
        return value.asText();
    }

    static String requiredNonBlank(JsonNode parent, String field, String param) {
        String value = requiredString(parent, field, param);
        if (value.isBlank()) {
            throw GatewayException.invalidRequest("'" + param + "' must not be empty.", param);
        }
        return value;
    }

    /** A string field, or null when absent. */
    static String optionalString(JsonNode parent, String field, String param) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw wrongType(param, "a string");
        }
        return value.asText();
    }

    static boolean optionalBoolean(JsonNode parent, String field, String param) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw wrongType(param, "a boolean");
        }
        return value.booleanValue();
    }

    static GatewayException wrongType(String param, String expected) {
        return GatewayException.invalidRequest(
                "Invalid type for '" + param + "': expected " + expected + ".", param, "invalid_type");
    }

    /** A feature of Anthropic's API that Sluice cannot translate for the providers behind it. */
    static GatewayException unsupported(String param, String what) {
        return GatewayException.invalidRequest(
                what + " is not supported by this gateway's /v1/messages endpoint.", param, "unsupported_parameter");
    }
}
