package dev.sluice.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Reads the portable parameters of an OpenAI chat request for adapters that translate it into another API, and
 * applies one policy to the rest (README, "Parameters across providers"):
 * <ul>
 *   <li>parameters that change the shape of the answer a client relies on and that the target cannot produce
 *       ({@code n > 1}, {@code logprobs}) are rejected with a 400 {@code unsupported_parameter};</li>
 *   <li>hints the target has no equivalent for ({@code seed} where unsupported, {@code user}, {@code logit_bias},
 *       penalties, {@code store}, {@code metadata}, {@code service_tier}, ...) are dropped.</li>
 * </ul>
 */
public final class ChatParameters {
    /** Hints OpenAI-dialect callers send that translating adapters drop when the target has no equivalent. */
    public static final Set<String> DROPPED_HINTS = Set.of(
            "user",
            "logit_bias",
            "presence_penalty",
            "frequency_penalty",
            "store",
            "metadata",
            "service_tier",
            "prediction",
            "modalities",
            "audio",
            "reasoning_effort",
            "web_search_options",
            "prompt_cache_key",
            "safety_identifier",
            "verbosity");

    private ChatParameters() {}

    /** Rejects what a single-choice, logprob-less target cannot honour. */
    public static void rejectUnsupported(ChatRequest request, String provider) {
        ObjectNode body = request.body();
        if (body.path("n").asInt(1) > 1) {
            throw unsupported(provider, "n", "returns one choice per request; 'n' must be 1");
        }
        if (body.path("logprobs").asBoolean(false) || body.hasNonNull("top_logprobs")) {
            throw unsupported(provider, "logprobs", "does not return log probabilities");
        }
    }

    public static GatewayException unsupported(String provider, String param, String why) {
        return GatewayException.invalidRequest(
                "The " + provider + " provider " + why + ".", param, "unsupported_parameter");
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else -1. */
    public static int maxTokens(ChatRequest request) {
        ObjectNode body = request.body();
        if (body.hasNonNull("max_completion_tokens")) {
            return body.get("max_completion_tokens").asInt();
        }
        return body.hasNonNull("max_tokens") ? body.get("max_tokens").asInt() : -1;
    }

    /**
     * Lowers the output bound to {@code limit}: in the field(s) the caller used, else in {@code max_completion_tokens}
     * (OpenAI's current name; the presets that need {@code max_tokens} rename it, other providers read both).
     */
    public static void limitMaxTokens(ChatRequest request, long limit) {
        ObjectNode body = request.body();
        boolean set = false;
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            if (body.hasNonNull(field)) {
                body.put(field, Math.min(limit, body.get(field).asLong()));
                set = true;
            }
        }
        if (!set) {
            body.put("max_completion_tokens", limit);
        }
    }

    /** {@code stop} as a list (OpenAI allows a string or an array of up to 4). */
    public static List<String> stop(ChatRequest request) {
        JsonNode stop = request.body().get("stop");
        List<String> sequences = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return sequences;
        }
        if (stop.isTextual()) {
            sequences.add(stop.asText());
        } else if (stop.isArray()) {
            for (JsonNode item : stop) {
                if (!item.isTextual()) {
                    throw GatewayException.invalidRequest(
                            "'stop' must be a string or an array of strings.", "stop", "invalid_type");
                }
                sequences.add(item.asText());
            }
        } else {
            throw GatewayException.invalidRequest(
                    "'stop' must be a string or an array of strings.", "stop", "invalid_type");
        }
        return sequences;
    }

    /** A decimal parameter, or null when absent. */
    public static Double decimal(ChatRequest request, String field) {
        JsonNode value = request.body().get(field);
        return value == null || !value.isNumber() ? null : value.doubleValue();
    }

    /** An integer parameter, or null when absent. */
    public static Long integer(ChatRequest request, String field) {
        JsonNode value = request.body().get(field);
        return value == null || !value.canConvertToLong() || !value.isNumber() ? null : value.longValue();
    }

    /** An image referenced by an OpenAI {@code image_url} part: inline ({@code data:} URL) or remote. */
    public record Image(String url, String mediaType, String base64Data) {
        public boolean isInline() {
            return base64Data != null;
        }

        public byte[] bytes() {
            return Base64.getDecoder().decode(base64Data);
        }
    }

    /** Reads an {@code image_url} content part; {@code param} names it in errors. */
    public static Image image(JsonNode part, String param) {
        JsonNode imageUrl = part.path("image_url");
        String url =
                imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText(null);
        if (url == null || url.isBlank()) {
            throw GatewayException.invalidRequest("An image_url part needs 'image_url.url'.", param + ".image_url");
        }
        if (!url.startsWith("data:")) {
            return new Image(url, null, null);
        }
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !header.endsWith(";base64")) {
            throw GatewayException.invalidRequest(
                    "An inline image must be a base64 data URL " + "(data:<media type>;base64,<data>).",
                    param + ".image_url");
        }
        return new Image(null, header.substring(0, header.length() - ";base64".length()), url.substring(comma + 1));
    }

    /** The JSON Schema of {@code response_format: {type: json_schema}}, or null for other formats. */
    public static JsonNode jsonSchema(ChatRequest request) {
        JsonNode format = request.body().path("response_format");
        return "json_schema".equals(format.path("type").asText())
                ? format.path("json_schema").path("schema")
                : null;
    }

    /** True for {@code response_format} {@code json_object} or {@code json_schema}. */
    public static boolean wantsJson(ChatRequest request) {
        String type = request.body().path("response_format").path("type").asText("text");
        return type.equals("json_object") || type.equals("json_schema");
    }

    /** The image parts in the messages (Anthropic's image blocks arrive as {@code image_url} parts too). */
    public static long imageCount(ChatRequest request) {
        long images = 0;
        for (JsonNode message : request.messages()) {
            for (JsonNode part : message.path("content")) {
                if ("image_url".equals(part.path("type").asText())) {
                    images++;
                }
            }
        }
        return images;
    }

    public static boolean hasImages(ChatRequest request) {
        return imageCount(request) > 0;
    }

    /** True when the request declares tools (functions) the model may call. */
    public static boolean hasTools(ChatRequest request) {
        JsonNode tools = request.body().get("tools");
        return tools != null && tools.isArray() && !tools.isEmpty();
    }
}
