package dev.sluice.inbound.anthropic;

import static dev.sluice.inbound.anthropic.AnthropicFields.optionalBoolean;
import static dev.sluice.inbound.anthropic.AnthropicFields.required;
import static dev.sluice.inbound.anthropic.AnthropicFields.requiredNonBlank;
import static dev.sluice.inbound.anthropic.AnthropicFields.requiredString;
import static dev.sluice.inbound.anthropic.AnthropicFields.unsupported;
import static dev.sluice.inbound.anthropic.AnthropicFields.wrongType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates Anthropic's {@code system} and {@code messages} into OpenAI chat messages.
 * <ul>
 *   <li>User {@code tool_result} blocks become {@code tool} messages placed before the rest of the user turn, since
 *       OpenAI wants them right after the assistant's {@code tool_calls}; their text is joined with newlines, an
 *       {@code is_error} result is prefixed with "Error: " (OpenAI has no error flag), and images inside a result
 *       move to the user message that follows (OpenAI tool messages carry text only).</li>
 *   <li>Assistant {@code thinking}/{@code redacted_thinking} blocks are dropped: their signatures only mean something
 *       to Anthropic, and OpenAI-dialect upstreams take no reasoning input. An assistant turn left empty is
 *       skipped.</li>
 *   <li>{@code cache_control} and {@code citations} are ignored; {@code document} blocks and Files API images are
 *       rejected with a 400.</li>
 * </ul>
 */
final class AnthropicMessages {
    private AnthropicMessages() {}

    /** {@code system}: a string or an array of text blocks, joined into one system message. */
    static void appendSystem(JsonNode system, ArrayNode out) {
        if (system == null || system.isNull()) {
            return;
        }
        String text;
        if (system.isTextual()) {
            text = system.asText();
        } else if (system.isArray()) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < system.size(); i++) {
                String param = "system[" + i + "]";
                JsonNode block = system.get(i);
                if (!block.isObject()) {
                    throw wrongType(param, "a text block");
                }
                String type = requiredString(block, "type", param + ".type");
                if (!type.equals("text")) {
                    throw GatewayException.invalidRequest(
                            "Invalid value for '" + param + ".type': '" + type
                                    + "'. The system prompt takes text blocks only.",
                            param + ".type");
                }
                texts.add(requiredString(block, "text", param + ".text"));
            }
            text = String.join("\n\n", texts);
        } else {
            throw wrongType("system", "a string or an array of text blocks");
        }
        if (!text.isEmpty()) {
            out.addObject().put("role", "system").put("content", text);
        }
    }

    static void append(ObjectNode body, ArrayNode out) {
        JsonNode value = required(body, "messages", "messages");
        if (!(value instanceof ArrayNode messages)) {
            throw wrongType("messages", "an array");
        }
        if (messages.isEmpty()) {
            throw GatewayException.invalidRequest(
                    "'messages' must contain at least one message.", "messages", "empty_array");
        }
        for (int i = 0; i < messages.size(); i++) {
            appendMessage(messages.get(i), "messages[" + i + "]", i == messages.size() - 1, out);
        }
        boolean anyTurn = false;
        for (JsonNode message : out) {
            anyTurn |= !"system".equals(message.path("role").asText());
        }
        if (!anyTurn) {
            throw GatewayException.invalidRequest(
                    "'messages' must contain at least one non-empty message.", "messages");
        }
    }

    private static void appendMessage(JsonNode message, String param, boolean last, ArrayNode out) {
        if (!message.isObject()) {
            throw wrongType(param, "an object");
        }
        String role = requiredString(message, "role", param + ".role");
        if (!role.equals("user") && !role.equals("assistant")) {
            throw GatewayException.invalidRequest(
                    "Invalid value for '" + param + ".role': '" + role
                            + "'. Supported values are: 'user' and 'assistant'.",
                    param + ".role");
        }
        JsonNode content = required(message, "content", param + ".content");
        if (!content.isTextual() && !content.isArray()) {
            throw wrongType(param + ".content", "a string or an array of content blocks");
        }
        if (isEmpty(content)) {
            if (last && role.equals("assistant")) {
                return; // an empty prefill asks for nothing
            }
            throw GatewayException.invalidRequest(
                    "'" + param + ".content' must not be empty; only the final " + "assistant message may be empty.",
                    param + ".content");
        }
        if (role.equals("user")) {
            appendUser(content, param + ".content", out);
        } else {
            appendAssistant(content, param + ".content", out);
        }
    }

    private static boolean isEmpty(JsonNode content) {
        return content.isTextual() ? content.asText().isEmpty() : content.isEmpty();
    }

    private static void appendUser(JsonNode content, String param, ArrayNode out) {
        if (content.isTextual()) {
            out.addObject().put("role", "user").put("content", content.asText());
            return;
        }
        List<ObjectNode> toolMessages = new ArrayList<>();
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            String blockParam = param + "[" + j + "]";
            JsonNode block = block(content.get(j), blockParam);
            String type = block.get("type").asText();
            switch (type) {
                case "text" -> parts.add(textPart(block, blockParam));
                case "image" -> parts.add(imagePart(block, blockParam));
                case "tool_result" -> toolMessages.add(toolResult(block, blockParam, parts));
                case "tool_use", "thinking", "redacted_thinking" -> throw notIn("user", type, blockParam);
                default -> throw unsupportedBlock(type, blockParam);
            }
        }
        out.addAll(toolMessages);
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode message = out.addObject().put("role", "user");
        if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text")) {
            message.put("content", parts.get(0).get("text").asText());
        } else {
            message.set("content", parts);
        }
    }

    private static void appendAssistant(JsonNode content, String param, ArrayNode out) {
        if (content.isTextual()) {
            out.addObject().put("role", "assistant").put("content", content.asText());
            return;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            String blockParam = param + "[" + j + "]";
            JsonNode block = block(content.get(j), blockParam);
            String type = block.get("type").asText();
            switch (type) {
                case "text" -> text.append(requiredString(block, "text", blockParam + ".text"));
                case "tool_use" -> toolCalls.add(toolCall(block, blockParam));
                case "thinking", "redacted_thinking" -> {
                    // dropped: see the class comment
                }
                case "image", "tool_result", "document" -> throw notIn("assistant", type, blockParam);
                default -> throw unsupportedBlock(type, blockParam);
            }
        }
        if (text.isEmpty() && toolCalls.isEmpty()) {
            return;
        }
        ObjectNode message = out.addObject().put("role", "assistant");
        if (text.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
    }

    private static JsonNode block(JsonNode block, String param) {
        if (!block.isObject()) {
            throw wrongType(param, "a content block object");
        }
        requiredString(block, "type", param + ".type");
        return block;
    }

    private static ObjectNode textPart(JsonNode block, String param) {
        ObjectNode part = Json.MAPPER.createObjectNode();
        part.put("type", "text");
        part.put("text", requiredString(block, "text", param + ".text"));
        return part;
    }

    /** An image by base64 {@code source} (as a data URL) or by URL. */
    private static ObjectNode imagePart(JsonNode block, String param) {
        String sourceParam = param + ".source";
        JsonNode source = required(block, "source", sourceParam);
        if (!source.isObject()) {
            throw wrongType(sourceParam, "an object");
        }
        String kind = requiredString(source, "type", sourceParam + ".type");
        String url = switch (kind) {
            case "base64" ->
                "data:" + requiredNonBlank(source, "media_type", sourceParam + ".media_type") + ";base64,"
                        + requiredNonBlank(source, "data", sourceParam + ".data");
            case "url" -> requiredNonBlank(source, "url", sourceParam + ".url");
            case "file" -> throw unsupported(sourceParam + ".type", "An image from the Files API");
            default ->
                throw GatewayException.invalidRequest(
                        "Invalid value for '" + sourceParam + ".type': '" + kind
                                + "'. Supported values are: 'base64' and 'url'.",
                        sourceParam + ".type");
        };
        ObjectNode part = Json.MAPPER.createObjectNode();
        part.put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    /** One {@code tool} message; images in the result are added to {@code userParts}. */
    private static ObjectNode toolResult(JsonNode block, String param, ArrayNode userParts) {
        String toolUseId = requiredNonBlank(block, "tool_use_id", param + ".tool_use_id");
        boolean isError = optionalBoolean(block, "is_error", param + ".is_error");
        JsonNode content = block.get("content");
        String text;
        if (content == null || content.isNull()) {
            text = "";
        } else if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            List<String> texts = new ArrayList<>();
            for (int k = 0; k < content.size(); k++) {
                String innerParam = param + ".content[" + k + "]";
                JsonNode inner = block(content.get(k), innerParam);
                String type = inner.get("type").asText();
                switch (type) {
                    case "text" -> texts.add(requiredString(inner, "text", innerParam + ".text"));
                    case "image" -> userParts.add(imagePart(inner, innerParam));
                    default -> throw unsupportedBlock(type, innerParam);
                }
            }
            text = String.join("\n", texts);
        } else {
            throw wrongType(param + ".content", "a string or an array of content blocks");
        }
        if (isError) {
            text = text.isEmpty() ? "Error" : "Error: " + text;
        }
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("role", "tool");
        message.put("tool_call_id", toolUseId);
        message.put("content", text);
        return message;
    }

    private static ObjectNode toolCall(JsonNode block, String param) {
        String id = requiredNonBlank(block, "id", param + ".id");
        String name = requiredNonBlank(block, "name", param + ".name");
        JsonNode input = required(block, "input", param + ".input");
        if (!input.isObject()) {
            throw wrongType(param + ".input", "an object");
        }
        ObjectNode call = Json.MAPPER.createObjectNode();
        call.put("id", id);
        call.put("type", "function");
        call.putObject("function").put("name", name).put("arguments", Json.writeString(input));
        return call;
    }

    private static GatewayException notIn(String role, String type, String param) {
        return GatewayException.invalidRequest(
                "A '" + type + "' content block is not allowed in " + role + " messages.", param + ".type");
    }

    private static GatewayException unsupportedBlock(String type, String param) {
        return unsupported(param + ".type", "The '" + type + "' content block");
    }
}
