package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
public record EmbeddingRequest(
        String model, List<String> texts, int inputCount, boolean base64, int dimensions, ObjectNode body) {
    public static final int MAX_INPUTS = 2048;

    public static EmbeddingRequest parse(byte[] json) {
        ObjectNode body = JsonBodies.object(json);
        String model = model(body);
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: 'input'.", "input");
        }
        List<String> texts = texts(input);
        int count = texts != null ? texts.size() : input.get(0).isArray() ? input.size() : 1;
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw GatewayException.invalidRequest(
                    "Invalid value for 'encoding_format': '" + format
                            + "'. Supported values are: 'float' and 'base64'.",
                    "encoding_format");
        }
        return new EmbeddingRequest(model, texts, count, format.equals("base64"), dimensions(body), body);
    }

    private static String model(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw GatewayException.invalidRequest("Missing required parameter: 'model'.", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw GatewayException.invalidRequest("'model' must be a non-empty string.", "model", "invalid_type");
        }
        return model.asText();
    }

    /** The inputs as text; null when they are token ids (one array of ids, or an array of such arrays). */
    private static List<String> texts(JsonNode input) {
        if (input.isTextual()) {
            return nonEmpty(List.of(input.asText()));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw invalidInput();
        }
        if (input.size() > MAX_INPUTS) {
            throw GatewayException.invalidRequest("'input' may hold at most " + MAX_INPUTS + " items.", "input");
        }
        JsonNode first = input.get(0);
        if (first.isTextual()) {
            List<String> texts = new ArrayList<>(input.size());
            for (JsonNode item : input) {
                if (!item.isTextual()) {
                    throw invalidInput();
                }
                texts.add(item.asText());
            }
            return nonEmpty(texts);
        }
        if (first.isIntegralNumber()) {
            requireTokenIds(input);
        } else if (first.isArray()) {
            for (JsonNode tokens : input) {
                if (!tokens.isArray() || tokens.isEmpty()) {
                    throw invalidInput();
                }
                requireTokenIds(tokens);
            }
        } else {
            throw invalidInput();
        }
        return null;
    }

    private static List<String> nonEmpty(List<String> texts) {
        if (texts.stream().anyMatch(String::isEmpty)) {
            throw GatewayException.invalidRequest("'input' must not contain empty strings.", "input");
        }
        return texts;
    }

    private static int dimensions(ObjectNode body) {
        JsonNode dimensions = body.get("dimensions");
        if (dimensions == null || dimensions.isNull()) {
            return 0;
        }
        if (!dimensions.isIntegralNumber() || dimensions.asInt() < 1) {
            throw GatewayException.invalidRequest("'dimensions' must be a positive integer.", "dimensions");
        }
        return dimensions.asInt();
    }

    /**
     * This request with its text inputs replaced, one for one (the guard's redactions), in the body forwarded to
     * OpenAI-style upstreams too.
     */
    public EmbeddingRequest withTexts(List<String> replaced) {
        if (texts == null || replaced.size() != texts.size()) {
            throw new IllegalArgumentException("replace " + (texts == null ? 0 : texts.size()) + " texts, one for one");
        }
        ObjectNode forwarded = body.deepCopy();
        if (forwarded.get("input").isTextual()) {
            forwarded.put("input", replaced.getFirst());
        } else {
            ArrayNode input = forwarded.putArray("input");
            replaced.forEach(input::add);
        }
        return new EmbeddingRequest(model, List.copyOf(replaced), inputCount, base64, dimensions, forwarded);
    }

    /** The texts, or a 400 naming the provider when the caller sent token ids it cannot take. */
    public List<String> requireTexts(String provider) {
        if (texts == null) {
            throw GatewayException.invalidRequest(
                    "The " + provider
                            + " provider takes text input only; token-id input is supported for OpenAI-style models.",
                    "input",
                    "unsupported_parameter");
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
        return GatewayException.invalidRequest(
                "'input' must be a string, an array of strings, an array of token ids"
                        + " or an array of token-id arrays.",
                "input",
                "invalid_type");
    }
}
