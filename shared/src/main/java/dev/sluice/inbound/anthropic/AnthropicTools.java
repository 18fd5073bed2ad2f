package dev.sluice.inbound.anthropic;

import static dev.sluice.inbound.anthropic.AnthropicFields.optionalBoolean;
import static dev.sluice.inbound.anthropic.AnthropicFields.optionalString;
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

/**
 * Translates Anthropic's {@code tools} and {@code tool_choice} into OpenAI function tools. Only client tools with an
 * {@code input_schema} translate; Anthropic's server tools ({@code web_search_20250305}, code execution, ...) and
 * its schema-less client tools ({@code bash_...}, {@code text_editor_...}, {@code computer_...}) exist only on
 * Anthropic's side and are rejected with a 400 naming {@code tools[i]}.
 */
final class AnthropicTools {
    private AnthropicTools() {}

    /** Sets {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} on the OpenAI body. */
    static void translate(ObjectNode anthropic, ObjectNode openAi) {
        boolean hasTools = tools(anthropic.get("tools"), openAi);
        JsonNode choice = anthropic.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        if (!choice.isObject()) {
            throw wrongType("tool_choice", "an object");
        }
        String type = requiredString(choice, "type", "tool_choice.type");
        JsonNode openAiChoice = switch (type) {
            case "auto" -> openAi.textNode("auto");
            case "any" -> openAi.textNode("required");
            case "none" -> openAi.textNode("none");
            case "tool" -> {
                ObjectNode named = openAi.objectNode().put("type", "function");
                named.putObject("function").put("name", requiredNonBlank(choice, "name", "tool_choice.name"));
                yield named;
            }
            default ->
                throw GatewayException.invalidRequest(
                        "Invalid value for 'tool_choice.type': '" + type
                                + "'. Supported values are: 'auto', 'any', 'tool' and 'none'.",
                        "tool_choice.type");
        };
        boolean serial = optionalBoolean(choice, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use");
        // OpenAI rejects tool_choice and parallel_tool_calls without tools; Anthropic accepts them, so they go only
        // when there is a tool to choose.
        if (hasTools) {
            openAi.set("tool_choice", openAiChoice);
            if (serial) {
                openAi.put("parallel_tool_calls", false);
            }
        }
    }

    /** Translates the tool definitions; true when there is at least one. */
    private static boolean tools(JsonNode tools, ObjectNode openAi) {
        if (tools == null || tools.isNull()) {
            return false;
        }
        if (!tools.isArray()) {
            throw wrongType("tools", "an array");
        }
        if (tools.isEmpty()) {
            return false;
        }
        ArrayNode out = openAi.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            out.add(tool(tools.get(i), "tools[" + i + "]"));
        }
        return true;
    }

    private static ObjectNode tool(JsonNode tool, String param) {
        if (!tool.isObject()) {
            throw wrongType(param, "an object");
        }
        String type = optionalString(tool, "type", param + ".type");
        if (type != null && !type.equals("custom")) {
            throw unsupported(param, "The Anthropic-defined tool '" + type + "'");
        }
        String name = requiredNonBlank(tool, "name", param + ".name");
        JsonNode schema = required(tool, "input_schema", param + ".input_schema");
        if (!schema.isObject()) {
            throw wrongType(param + ".input_schema", "an object (a JSON Schema)");
        }
        String description = optionalString(tool, "description", param + ".description");
        ObjectNode out = Json.MAPPER.createObjectNode().put("type", "function");
        ObjectNode function = out.putObject("function").put("name", name);
        if (description != null) {
            function.put("description", description);
        }
        function.set("parameters", schema.deepCopy());
        return out;
    }
}
