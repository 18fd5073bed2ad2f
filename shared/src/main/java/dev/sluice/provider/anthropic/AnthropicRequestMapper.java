package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatParameters;
import dev.sluice.route.Deployment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Translates an OpenAI chat request into an Anthropic Messages request (README, "Anthropic"). Anthropic keeps the
 * system prompt outside the conversation, wants user and assistant turns to alternate, carries tool results inside
 * user turns and requires {@code max_tokens}; everything else maps field by field. Hints Anthropic has no
 * equivalent for ({@code seed}, {@link ChatParameters#DROPPED_HINTS}) are dropped; {@code n > 1} and
 * {@code logprobs} are rejected.
 */
final class AnthropicRequestMapper {
    static final int DEFAULT_MAX_TOKENS = 4096;
    static final String DEFAULT_RESPONSE_TOOL = "json_response";
    static final String JSON_OBJECT_INSTRUCTION =
            "Answer with a single JSON object and nothing else: no text before " + "or after it and no code fences.";
    private static final String RESPONSE_TOOL_DESCRIPTION =
            "Give your answer by calling this tool: its input is " + "the answer, as JSON matching the input schema.";
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final String PROVIDER = AnthropicProvider.TYPE;

    private AnthropicRequestMapper() {}

    static MessagesRequest toMessagesRequest(ChatRequest request, Deployment deployment) {
        ChatParameters.rejectUnsupported(request, PROVIDER);
        ObjectNode openAi = request.body();
        List<String> system = new ArrayList<>();
        ArrayNode messages = messages(request.messages(), system);

        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", deployment.upstreamModel());
        body.put("max_tokens", maxTokens(request, deployment));
        List<String> stop = ChatParameters.stop(request);
        if (!stop.isEmpty()) {
            ArrayNode sequences = body.putArray("stop_sequences");
            stop.forEach(sequences::add);
        }
        Double temperature = ChatParameters.decimal(request, "temperature");
        if (temperature != null) {
            body.put("temperature", temperature);
        }
        Double topP = ChatParameters.decimal(request, "top_p");
        if (topP != null) {
            body.put("top_p", topP);
        }
        String responseTool = tools(request, body);
        if ("json_object".equals(responseFormatType(openAi))) {
            system.add(JSON_OBJECT_INSTRUCTION);
        }
        String userId = userId(openAi);
        if (userId != null) {
            body.putObject("metadata").put("user_id", userId);
        }
        if (!system.isEmpty()) {
            body.put("system", String.join("\n\n", system));
        }
        body.set("messages", messages);
        body.put("stream", true);
        return new MessagesRequest(body, responseTool);
    }

    // ---- messages ----------------------------------------------------------------------------------------------

    private static ArrayNode messages(ArrayNode openAi, List<String> system) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < openAi.size(); i++) {
            JsonNode message = openAi.get(i);
            String param = "messages[" + i + "]";
            switch (message.path("role").asText()) {
                case "system", "developer" -> {
                    String text = plainText(message.get("content"), param + ".content");
                    if (!text.isEmpty()) {
                        system.add(text);
                    }
                }
                case "user" -> append(out, "user", userBlocks(message.get("content"), param + ".content"));
                case "assistant" -> append(out, "assistant", assistantBlocks(message, param));
                case "tool" -> append(out, "user", List.of(toolResult(message, param)));
                default ->
                    throw ChatParameters.unsupported(
                            PROVIDER,
                            param + ".role",
                            "does not accept legacy 'function' messages; send 'tool' messages instead");
            }
        }
        if (out.isEmpty()) {
            throw GatewayException.invalidRequest(
                    "The anthropic provider needs at least one user or assistant " + "message with content.",
                    "messages");
        }
        return out;
    }

    /**
     * Adds blocks to the conversation, merging them into the previous message when it has the same role: Anthropic
     * requires user and assistant turns to alternate. Tool results go before any other block of a user message, as
     * Anthropic requires.
     */
    private static void append(ArrayNode messages, String role, List<ObjectNode> blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        ArrayNode content;
        if (last != null && role.equals(last.path("role").asText())) {
            content = (ArrayNode) last.get("content");
        } else {
            ObjectNode message = messages.addObject();
            message.put("role", role);
            content = message.putArray("content");
        }
        for (ObjectNode block : blocks) {
            if ("tool_result".equals(block.path("type").asText())) {
                int position = 0;
                while (position < content.size()
                        && "tool_result"
                                .equals(content.get(position).path("type").asText())) {
                    position++;
                }
                content.insert(position, block);
            } else {
                content.add(block);
            }
        }
    }

    private static List<ObjectNode> userBlocks(JsonNode content, String param) {
        List<ObjectNode> blocks = new ArrayList<>();
        if (content.isTextual()) {
            addText(blocks, content.asText());
            return blocks;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partParam = param + "[" + j + "]";
            switch (part.path("type").asText()) {
                case "text" -> addText(blocks, part.path("text").asText());
                case "image_url" -> blocks.add(imageBlock(ChatParameters.image(part, partParam)));
                case "file" -> blocks.add(documentBlock(part, partParam));
                default ->
                    throw ChatParameters.unsupported(
                            PROVIDER,
                            partParam + ".type",
                            "does not accept '" + part.path("type").asText() + "' content parts");
            }
        }
        return blocks;
    }

    private static ObjectNode imageBlock(ChatParameters.Image image) {
        ObjectNode block = Json.MAPPER.createObjectNode();
        block.put("type", "image");
        ObjectNode source = block.putObject("source");
        if (image.isInline()) {
            source.put("type", "base64").put("media_type", image.mediaType()).put("data", image.base64Data());
        } else {
            source.put("type", "url").put("url", image.url());
        }
        return block;
    }

    /** An OpenAI {@code file} part with inline PDF data becomes a document block; file ids mean nothing here. */
    private static ObjectNode documentBlock(JsonNode part, String param) {
        String data = part.path("file").path("file_data").asText("");
        String prefix = "data:application/pdf;base64,";
        if (!data.startsWith(prefix)) {
            throw ChatParameters.unsupported(
                    PROVIDER,
                    param + ".file",
                    "accepts files only as inline PDF data (file_data: data:application/pdf;base64,...)");
        }
        ObjectNode block = Json.MAPPER.createObjectNode();
        block.put("type", "document");
        block.putObject("source")
                .put("type", "base64")
                .put("media_type", "application/pdf")
                .put("data", data.substring(prefix.length()));
        return block;
    }

    private static List<ObjectNode> assistantBlocks(JsonNode message, String param) {
        List<ObjectNode> blocks = new ArrayList<>();
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            addText(blocks, content.asText());
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                switch (part.path("type").asText()) {
                    case "text" -> addText(blocks, part.path("text").asText());
                    case "refusal" -> addText(blocks, part.path("refusal").asText());
                    default ->
                        throw ChatParameters.unsupported(
                                PROVIDER,
                                param + ".content[" + j + "].type",
                                "does not accept '" + part.path("type").asText() + "' parts in assistant messages");
                }
            }
        }
        JsonNode calls = message.path("tool_calls");
        for (int k = 0; k < calls.size(); k++) {
            blocks.add(toolUse(calls.get(k), param + ".tool_calls[" + k + "]"));
        }
        return blocks;
    }

    private static ObjectNode toolUse(JsonNode call, String param) {
        String id = call.path("id").asText("");
        if (id.isBlank()) {
            throw GatewayException.invalidRequest("Missing required parameter: '" + param + ".id'.", param + ".id");
        }
        JsonNode function = call.path("function");
        String name = function.path("name").asText("");
        if (name.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Missing required parameter: '" + param + ".function.name'.", param + ".function.name");
        }
        ObjectNode block = Json.MAPPER.createObjectNode();
        block.put("type", "tool_use").put("id", id).put("name", name);
        block.set("input", toolInput(function.path("arguments"), param + ".function.arguments"));
        return block;
    }

    /** Anthropic takes tool input as an object where OpenAI carries it as a JSON string. */
    private static JsonNode toolInput(JsonNode arguments, String param) {
        if (arguments.isMissingNode()
                || arguments.isNull()
                || arguments.isTextual() && arguments.asText().isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode input = arguments;
        if (arguments.isTextual()) {
            try {
                input = Json.read(arguments.asText());
            } catch (IOException e) {
                input = null;
            }
        }
        if (input == null || !input.isObject()) {
            throw GatewayException.invalidRequest(
                    "Invalid '" + param + "': the arguments must be a JSON object " + "for the anthropic provider.",
                    param,
                    "invalid_value");
        }
        return input;
    }

    private static ObjectNode toolResult(JsonNode message, String param) {
        String id = message.path("tool_call_id").asText("");
        if (id.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Missing required parameter: '" + param + ".tool_call_id'.", param + ".tool_call_id");
        }
        ObjectNode block = Json.MAPPER.createObjectNode();
        block.put("type", "tool_result").put("tool_use_id", id);
        JsonNode content = message.get("content");
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) {
                block.put("content", content.asText());
            }
        } else {
            List<ObjectNode> texts = new ArrayList<>();
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                if (!"text".equals(part.path("type").asText())) {
                    throw ChatParameters.unsupported(
                            PROVIDER, param + ".content[" + j + "].type", "accepts only text parts in tool messages");
                }
                addText(texts, part.path("text").asText());
            }
            if (!texts.isEmpty()) {
                block.putArray("content").addAll(texts);
            }
        }
        return block;
    }

    /** Anthropic rejects empty text blocks, so empty text is left out. */
    private static void addText(List<ObjectNode> blocks, String text) {
        if (!text.isEmpty()) {
            ObjectNode block = Json.MAPPER.createObjectNode();
            block.put("type", "text").put("text", text);
            blocks.add(block);
        }
    }

    private static String plainText(JsonNode content, String param) {
        if (content.isTextual()) {
            return content.asText();
        }
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            if (!"text".equals(part.path("type").asText())) {
                throw ChatParameters.unsupported(
                        PROVIDER, param + "[" + j + "].type", "accepts only text in system messages");
            }
            texts.add(part.path("text").asText());
        }
        return String.join("\n", texts);
    }

    // ---- parameters --------------------------------------------------------------------------------------------

    private static int maxTokens(ChatRequest request, Deployment deployment) {
        int requested = ChatParameters.maxTokens(request);
        if (requested > 0) {
            return requested;
        }
        String configured = deployment.option("defaultMaxTokens", null);
        if (configured == null) {
            return DEFAULT_MAX_TOKENS;
        }
        try {
            int value = Integer.parseInt(configured.strip());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw GatewayException.internal(new IllegalStateException(
                "anthropic deployment option defaultMaxTokens is not a positive integer: " + configured));
    }

    /** OpenAI's {@code user} (or its successor {@code safety_identifier}) is what Anthropic's metadata carries. */
    private static String userId(ObjectNode openAi) {
        for (String field : List.of("user", "safety_identifier")) {
            JsonNode value = openAi.get(field);
            if (value != null && value.isTextual() && !value.asText().isBlank()) {
                return value.asText();
            }
        }
        return null;
    }

    private static String responseFormatType(ObjectNode openAi) {
        JsonNode format = openAi.get("response_format");
        if (format == null || format.isNull()) {
            return "text";
        }
        String type = format.path("type").asText("");
        if (!Set.of("text", "json_object", "json_schema").contains(type)) {
            throw GatewayException.invalidRequest(
                    "Invalid value for 'response_format.type': '" + type
                            + "'. Supported values are: 'text', 'json_object', 'json_schema'.",
                    "response_format.type");
        }
        return type;
    }

    // ---- tools -------------------------------------------------------------------------------------------------

    /**
     * Sets {@code tools} and {@code tool_choice}. A {@code json_schema} response format becomes one more tool whose
     * input schema is the schema, forced (or, beside the caller's own tools, required as one of them): Anthropic's
     * way to guarantee JSON of a given shape. Returns that tool's name, or null.
     */
    private static String tools(ChatRequest request, ObjectNode body) {
        ObjectNode openAi = request.body();
        ArrayNode tools = Json.MAPPER.createArrayNode();
        Set<String> names = new HashSet<>();
        JsonNode openAiTools = openAi.path("tools");
        for (int i = 0; i < openAiTools.size(); i++) {
            ObjectNode tool = tool(openAiTools.get(i), "tools[" + i + "]");
            names.add(tool.get("name").asText());
            tools.add(tool);
        }
        boolean callerTools = !tools.isEmpty();
        ObjectNode choice = toolChoice(openAi.get("tool_choice"));
        String responseTool = null;
        if ("json_schema".equals(responseFormatType(openAi))) {
            responseTool = responseToolName(openAi, names);
            tools.add(responseTool(request, responseTool));
            choice = responseToolChoice(openAi, choice, callerTools, responseTool);
        } else if (openAi.path("parallel_tool_calls").isBoolean()
                && !openAi.get("parallel_tool_calls").asBoolean()
                && callerTools) {
            if (choice == null) {
                choice = Json.MAPPER.createObjectNode().put("type", "auto");
            }
            if (!"none".equals(choice.path("type").asText())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (!tools.isEmpty()) {
            body.set("tools", tools);
            if (choice != null) {
                body.set("tool_choice", choice);
            }
        }
        return responseTool;
    }

    /** JSON-schema mode as a tool whose input is the answer (Anthropic has no native schema mode). */
    private static ObjectNode responseTool(ChatRequest request, String name) {
        ObjectNode tool = Json.MAPPER.createObjectNode();
        JsonNode jsonSchema = request.body().path("response_format").path("json_schema");
        tool.put("name", name);
        tool.put("description", jsonSchema.path("description").asText(RESPONSE_TOOL_DESCRIPTION));
        tool.set("input_schema", ChatParameters.jsonSchema(request).deepCopy());
        return tool;
    }

    /** Forces the response tool (or any tool, when the caller has tools of its own), one call only. */
    private static ObjectNode responseToolChoice(
            ObjectNode openAi, ObjectNode callerChoice, boolean callerTools, String responseTool) {
        ObjectNode choice = callerChoice;
        boolean callerForcedOne =
                choice != null && "tool".equals(choice.path("type").asText());
        if (!callerForcedOne) {
            choice = Json.MAPPER.createObjectNode();
            if (callerTools && !"none".equals(openAi.path("tool_choice").asText())) {
                choice.put("type", "any");
            } else {
                choice.put("type", "tool").put("name", responseTool);
            }
        }
        // One answer, not several JSON documents glued together.
        choice.put("disable_parallel_tool_use", true);
        return choice;
    }

    private static ObjectNode tool(JsonNode openAi, String param) {
        if (!"function".equals(openAi.path("type").asText())) {
            throw ChatParameters.unsupported(PROVIDER, param + ".type", "accepts only 'function' tools");
        }
        JsonNode function = openAi.path("function");
        String name = function.path("name").asText("");
        if (name.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Missing required parameter: '" + param + ".function.name'.", param + ".function.name");
        }
        ObjectNode tool = Json.MAPPER.createObjectNode();
        tool.put("name", name);
        if (function.path("description").isTextual()) {
            tool.put("description", function.get("description").asText());
        }
        JsonNode parameters = function.get("parameters");
        if (parameters != null && parameters.isObject()) {
            tool.set("input_schema", parameters.deepCopy());
        } else {
            ObjectNode empty = tool.putObject("input_schema");
            empty.put("type", "object");
            empty.putObject("properties");
        }
        return tool;
    }

    private static ObjectNode toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> out.put("type", "auto");
                case "required" -> out.put("type", "any");
                case "none" -> out.put("type", "none");
                default ->
                    throw GatewayException.invalidRequest(
                            "Invalid value for 'tool_choice': '" + choice.asText()
                                    + "'. Supported values are: 'none', 'auto', 'required'.",
                            "tool_choice");
            }
            return out;
        }
        String name = choice.path("function").path("name").asText("");
        if (!"function".equals(choice.path("type").asText()) || name.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Invalid 'tool_choice': expected 'none', 'auto', 'required' or "
                            + "{\"type\": \"function\", \"function\": {\"name\": ...}}.",
                    "tool_choice");
        }
        return out.put("type", "tool").put("name", name);
    }

    private static String responseToolName(ObjectNode openAi, Set<String> callerToolNames) {
        JsonNode jsonSchema = openAi.path("response_format").path("json_schema");
        JsonNode schema = jsonSchema.path("schema");
        if (!schema.isObject()) {
            throw GatewayException.invalidRequest(
                    "The anthropic provider needs 'response_format.json_schema.schema' "
                            + "(a JSON Schema object) for json_schema responses.",
                    "response_format.json_schema.schema");
        }
        String name = jsonSchema.path("name").asText("");
        if (!TOOL_NAME.matcher(name).matches()) {
            name = DEFAULT_RESPONSE_TOOL;
        }
        if (callerToolNames.contains(name)) {
            throw GatewayException.invalidRequest(
                    "'response_format.json_schema.name' must differ from the names of "
                            + "the request's tools: the anthropic provider answers through a tool of that name.",
                    "response_format.json_schema.name");
        }
        return name;
    }
}
