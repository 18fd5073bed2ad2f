package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated OpenAI {@code POST /v1/embeddings} body.
 *
 * @param texts      the inputs as text, in order; null when the caller sent token arrays, which only
 *                   OpenAI-style upstreams accept (others reject such a request with a 400)
 * @param base64     the caller asked for {@code encoding_format: "base64"}
 * @param dimensions requested output dimensions, or 0 for the model's default
 * @param body       the caller's whole JSON, forwarded to OpenAI-style upstreams
 */
public record EmbeddingRequest(String model, List<String> texts, int inputCount, boolean base64, int dimensions,
                               ObjectNode body) {
    public static final int MAX_INPUTS = 2048;

    public static EmbeddingRequest parse(byte[] json) {
        ObjectNode body = JsonBodies.object(json);
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: 'model'.", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw GatewayException.invalidRequest("'model' must be a non-empty string.", "model", "invalid_type");
        }
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: 'input'.", "input");
        }
        List<String> texts;
        int count;
        if (input.isTextual()) {
            texts = List.of(input.asText());
            count = 1;
        } else if (input.isArray() && !input.isEmpty()) {
            if (input.size() > MAX_INPUTS) {
                throw GatewayException.invalidRequest("'input' may hold at most " + MAX_INPUTS + " items.", "input");
            }
            if (input.get(0).isTextual()) {
                texts = new ArrayList<>(input.size());
                for (JsonNode item : input) {
                    if (!item.isTextual()) {
                        throw invalidInput();
                    }
                    texts.add(item.asText());
                }
                count = texts.size();
            } else if (input.get(0).isIntegralNumber()) {
                requireTokenIds(input);
                texts = null; // one input given as token ids
                count = 1;
            } else if (input.get(0).isArray()) {
                for (JsonNode tokens : input) {
                    if (!tokens.isArray() || tokens.isEmpty()) {
                        throw invalidInput();
                    }
                    requireTokenIds(tokens);
                }
                texts = null; // several inputs given as token ids
                count = input.size();
            } else {
                throw invalidInput();
            }
        } else {
            throw invalidInput();
        }
        if (texts != null && texts.stream().anyMatch(String::isEmpty)) {
            throw GatewayException.invalidRequest("'input' must not contain empty strings.", "input");
        }
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw GatewayException.invalidRequest("Invalid value for 'encoding_format': '" + format
                    + "'. Supported values are: 'float' and 'base64'.", "encoding_format");
        }
        JsonNode dimensions = body.get("dimensions");
        int dims = 0;
        if (dimensions != null && !dimensions.isNull()) {
            if (!dimensions.isIntegralNumber() || dimensions.asInt() < 1) {
                throw GatewayException.invalidRequest("'dimensions' must be a positive integer.", "dimensions");
            }
            dims = dimensions.asInt();
        }
        return new EmbeddingRequest(model.asText(), texts, count, format.equals("base64"), dims, body);
    }

    /** The texts, or a 400 naming the provider when the caller sent token ids it cannot take. */
    public List<String> requireTexts(String provider) {
        if (texts == null) {
            throw GatewayException.invalidRequest("The " + provider
                    + " provider takes text input only; token-id input is supported for OpenAI-style models.",
                    "input", "unsupported_parameter");
        }
        return texts;
    }

    private static void requireTokenIds(JsonNode tokens) {
        for (JsonNode token : tokens) {
            if (!token.isIntegralNumber() || !token.canConvertToInt() || token.intValue() < 0) {
                throw invalidInput();
            }
        }
    }

    private static GatewayException invalidInput() {
        return GatewayException.invalidRequest("'input' must be a string, an array of strings, an array of token ids"
                + " or an array of token-id arrays.", "input", "invalid_type");
    }
}
