package dev.sluice.inbound.anthropic;

import static dev.sluice.inbound.anthropic.AnthropicFields.optionalBoolean;
import static dev.sluice.inbound.anthropic.AnthropicFields.optionalString;
import static dev.sluice.inbound.anthropic.AnthropicFields.required;
import static dev.sluice.inbound.anthropic.AnthropicFields.requiredNonBlank;
import static dev.sluice.inbound.anthropic.AnthropicFields.wrongType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.JsonBodies;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;

/**
 * A validated Anthropic {@code POST /v1/messages} body, translated into Sluice's canonical OpenAI chat request so any
 * provider can serve it. Every failure is a 400 naming the offending parameter by its path in the caller's JSON.
 *
 * <p>Mapping: {@code system} → a system message; {@code messages} → see {@link AnthropicMessages}; {@code tools} and
 * {@code tool_choice} → see {@link AnthropicTools}; {@code max_tokens} → {@code max_completion_tokens} (what OpenAI
 * reasoning models require; presets that need {@code max_tokens} rename it back); {@code temperature}, {@code top_p},
 * {@code stream} as is; {@code stop_sequences} → {@code stop}; {@code metadata.user_id} → {@code user}. Dropped:
 * {@code top_k} (validated, but OpenAI has no equivalent) and every other top-level field ({@code thinking},
 * {@code service_tier}, {@code container}, ...), which are ignored as unknown. A streaming request asks for usage
 * ({@code stream_options.include_usage}) since Anthropic's {@code message_delta} always reports it.
 */
public final class AnthropicMessagesRequest {
    private final String model;
    private final boolean stream;
    private final ChatRequest chatRequest;

    private AnthropicMessagesRequest(String model, boolean stream, ChatRequest chatRequest) {
        this.model = model;
        this.stream = stream;
        this.chatRequest = chatRequest;
    }

    /** Parses, validates and translates; every failure is a 400 naming the parameter. */
    public static AnthropicMessagesRequest parse(byte[] json) {
        return of(JsonBodies.object(json));
    }

    public static AnthropicMessagesRequest of(ObjectNode anthropic) {
        String model = requiredNonBlank(anthropic, "model", "model");
        int maxTokens = maxTokens(anthropic);
        boolean stream = optionalBoolean(anthropic, "stream", "stream");

        ObjectNode openAi = Json.MAPPER.createObjectNode();
        openAi.put("model", model);
        ArrayNode messages = openAi.putArray("messages");
        AnthropicMessages.appendSystem(anthropic.get("system"), messages);
        AnthropicMessages.append(anthropic, messages);
        openAi.put("max_completion_tokens", maxTokens); // OpenAI reasoning models refuse max_tokens
        copyDecimal(anthropic, openAi, "temperature");
        copyDecimal(anthropic, openAi, "top_p");
        validateTopK(anthropic);
        stopSequences(anthropic, openAi);
        user(anthropic, openAi);
        AnthropicTools.translate(anthropic, openAi);
        openAi.put("stream", stream);
        if (stream) {
            openAi.putObject("stream_options").put("include_usage", true);
        }
        return new AnthropicMessagesRequest(model, stream, ChatRequest.of(openAi));
    }

    /** The model alias the caller asked for. */
    public String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    /** The same request in OpenAI's chat dialect, as every provider adapter takes it. */
    public ChatRequest toChatRequest() {
        return chatRequest;
    }

    private static int maxTokens(ObjectNode body) {
        JsonNode value = required(body, "max_tokens", "max_tokens");
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw wrongType("max_tokens", "an integer");
        }
        if (value.intValue() < 1) {
            throw GatewayException.invalidRequest(
                    "Invalid 'max_tokens': it must be at least 1.", "max_tokens", "integer_below_min_value");
        }
        return value.intValue();
    }

    /** Anthropic's {@code temperature} and {@code top_p} both range from 0 to 1. */
    private static void copyDecimal(ObjectNode from, ObjectNode to, String field) {
        JsonNode value = from.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isNumber()) {
            throw wrongType(field, "a number");
        }
        double number = value.doubleValue();
        if (number < 0 || number > 1) {
            throw GatewayException.invalidRequest(
                    "Invalid '" + field + "': it must be between 0 and 1, got " + value.asText() + ".",
                    field,
                    "decimal_out_of_range");
        }
        to.set(field, value);
    }

    private static void validateTopK(ObjectNode body) {
        JsonNode value = body.get("top_k");
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isIntegralNumber()) {
            throw wrongType("top_k", "an integer");
        }
        if (value.longValue() < 0) {
            throw GatewayException.invalidRequest(
                    "Invalid 'top_k': it must be at least 0.", "top_k", "integer_below_min_value");
        }
    }

    private static void stopSequences(ObjectNode from, ObjectNode to) {
        JsonNode value = from.get("stop_sequences");
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            throw wrongType("stop_sequences", "an array of strings");
        }
        ArrayNode stop = Json.MAPPER.createArrayNode();
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isTextual()) {
                throw wrongType("stop_sequences[" + i + "]", "a string");
            }
            stop.add(value.get(i).asText());
        }
        if (!stop.isEmpty()) {
            to.set("stop", stop);
        }
    }

    private static void user(ObjectNode from, ObjectNode to) {
        JsonNode metadata = from.get("metadata");
        if (metadata == null || metadata.isNull()) {
            return;
        }
        if (!metadata.isObject()) {
            throw wrongType("metadata", "an object");
        }
        String userId = optionalString(metadata, "user_id", "metadata.user_id");
        if (userId != null && !userId.isEmpty()) {
            to.put("user", userId);
        }
    }
}
