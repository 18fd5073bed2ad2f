package dev.sluice.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatParameters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.AutoToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * An OpenAI chat request as a Bedrock {@code ConverseStream} request.
 *
 * <p>System and developer messages become {@code system} blocks; user and assistant turns become messages of content
 * blocks (text, inline images, tool uses); tool results become {@code toolResult} blocks of a user turn. Bedrock
 * wants turns to alternate, so consecutive turns of one role are merged. {@code response_format: json_schema}
 * becomes a forced tool whose input schema is the schema (the stream mapper turns its input back into content);
 * {@code json_object} becomes a system instruction. {@code seed} and the hints of
 * {@link ChatParameters#DROPPED_HINTS} have no Converse equivalent and are dropped.
 */
final class BedrockRequestMapper {
    static final String DEFAULT_RESPONSE_TOOL = "json_response";
    static final String JSON_OBJECT_INSTRUCTION =
            "Respond with one valid JSON object only, with no text before or after it.";
    private static final String RESPONSE_TOOL_DESCRIPTION =
            "Give the answer by calling this tool: its input is the response, as JSON matching the schema.";
    private static final String PROVIDER = BedrockProvider.TYPE;
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /**
     * @param responseToolName the tool forced to carry a {@code json_schema} answer, or null
     */
    record Mapped(ConverseStreamRequest request, String responseToolName) {}

    private BedrockRequestMapper() {}

    static Mapped toConverseStream(ChatRequest request, String modelId) {
        ChatParameters.rejectUnsupported(request, PROVIDER);
        ObjectNode openAi = request.body();
        String format = responseFormatType(openAi);
        List<SystemContentBlock> system = new ArrayList<>();
        List<Message> messages = messages(request, system);
        if ("json_object".equals(format)) {
            system.add(SystemContentBlock.fromText(JSON_OBJECT_INSTRUCTION));
        }
        ConverseStreamRequest.Builder converse =
                ConverseStreamRequest.builder().modelId(modelId).messages(messages);
        if (!system.isEmpty()) {
            converse.system(system);
        }
        InferenceConfiguration inference = inferenceConfig(request);
        if (inference != null) {
            converse.inferenceConfig(inference);
        }
        boolean historyUsesTools = messages.stream()
                .flatMap(m -> m.content().stream())
                .anyMatch(block -> block.toolUse() != null || block.toolResult() != null);
        Tools tools = tools(request, "json_schema".equals(format), historyUsesTools);
        if (tools.config() != null) {
            converse.toolConfig(tools.config());
        }
        return new Mapped(converse.build(), tools.responseToolName());
    }

    // ---- messages ----------------------------------------------------------------------------------------------

    private static List<Message> messages(ChatRequest request, List<SystemContentBlock> system) {
        List<Message> turns = new ArrayList<>();
        for (int i = 0; i < request.messages().size(); i++) {
            JsonNode message = request.messages().get(i);
            String param = "messages[" + i + "]";
            switch (message.path("role").asText()) {
                case "system", "developer" -> {
                    String text = plainText(message.get("content"), param + ".content");
                    if (!text.isBlank()) {
                        system.add(SystemContentBlock.fromText(text));
                    }
                }
                case "user" -> append(turns, ConversationRole.USER, userContent(message.get("content"), param));
                case "assistant" -> append(turns, ConversationRole.ASSISTANT, assistantContent(message, param));
                case "tool" -> append(turns, ConversationRole.USER, List.of(toolResult(message, param)));
                default ->
                    throw ChatParameters.unsupported(
                            PROVIDER,
                            param + ".role",
                            "does not accept the deprecated 'function' role; use 'tool' messages");
            }
        }
        return turns;
    }

    /** Bedrock rejects two turns of one role in a row: a tool result followed by a user question is one turn. */
    private static void append(List<Message> turns, ConversationRole role, List<ContentBlock> blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        if (!turns.isEmpty() && turns.getLast().role() == role) {
            List<ContentBlock> merged = new ArrayList<>(turns.getLast().content());
            merged.addAll(blocks);
            turns.set(
                    turns.size() - 1,
                    Message.builder().role(role).content(merged).build());
        } else {
            turns.add(Message.builder().role(role).content(blocks).build());
        }
    }

    private static List<ContentBlock> userContent(JsonNode content, String param) {
        List<ContentBlock> blocks = new ArrayList<>();
        if (content.isTextual()) {
            addText(blocks, content.asText());
            return blocks;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partParam = param + ".content[" + j + "]";
            switch (part.path("type").asText()) {
                case "text" -> addText(blocks, part.path("text").asText());
                case "image_url" -> blocks.add(ContentBlock.fromImage(image(part, param, partParam)));
                default ->
                    throw ChatParameters.unsupported(
                            PROVIDER,
                            partParam + ".type",
                            "accepts only 'text' and 'image_url' content parts, not '"
                                    + part.path("type").asText() + "'");
            }
        }
        return blocks;
    }

    private static ImageBlock image(JsonNode part, String messageParam, String partParam) {
        ChatParameters.Image image = ChatParameters.image(part, partParam);
        if (!image.isInline()) {
            throw ChatParameters.unsupported(
                    PROVIDER,
                    messageParam + ".content",
                    "takes images only inline (a base64 data: URL); it cannot fetch a remote image URL");
        }
        ImageFormat format = switch (image.mediaType().toLowerCase(Locale.ROOT)) {
            case "image/png" -> ImageFormat.PNG;
            case "image/jpeg", "image/jpg" -> ImageFormat.JPEG;
            case "image/gif" -> ImageFormat.GIF;
            case "image/webp" -> ImageFormat.WEBP;
            default ->
                throw ChatParameters.unsupported(
                        PROVIDER,
                        partParam + ".image_url",
                        "accepts png, jpeg, gif and webp images, not '" + image.mediaType() + "'");
        };
        byte[] bytes;
        try {
            bytes = image.bytes();
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest("The inline image is not valid base64.", partParam + ".image_url");
        }
        return ImageBlock.builder()
                .format(format)
                .source(ImageSource.fromBytes(SdkBytes.fromByteArray(bytes)))
                .build();
    }

    private static List<ContentBlock> assistantContent(JsonNode message, String param) {
        List<ContentBlock> blocks = new ArrayList<>();
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            addText(blocks, content.asText());
        } else if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                String type = part.path("type").asText();
                if (type.equals("text") || type.equals("refusal")) {
                    addText(blocks, part.path(type).asText());
                }
            }
        }
        JsonNode calls = message.path("tool_calls");
        for (int k = 0; k < calls.size(); k++) {
            blocks.add(ContentBlock.fromToolUse(toolUse(calls.get(k), param + ".tool_calls[" + k + "]")));
        }
        return blocks;
    }

    private static ToolUseBlock toolUse(JsonNode call, String param) {
        JsonNode function = call.path("function");
        String id = call.path("id").asText("");
        String name = function.path("name").asText("");
        if (id.isBlank() || name.isBlank()) {
            throw GatewayException.invalidRequest("A tool call needs an 'id' and a 'function.name'.", param);
        }
        String arguments = function.path("arguments").asText("");
        JsonNode input;
        try {
            input = arguments.isBlank() ? Json.MAPPER.createObjectNode() : Json.read(arguments);
        } catch (IOException e) {
            throw GatewayException.invalidRequest(
                    "'" + param + ".function.arguments' must be a JSON string.", param + ".function.arguments");
        }
        return ToolUseBlock.builder()
                .toolUseId(id)
                .name(name)
                .input(JsonDocuments.toDocument(input))
                .build();
    }

    private static ContentBlock toolResult(JsonNode message, String param) {
        String id = message.path("tool_call_id").asText("");
        if (id.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Missing required parameter: '" + param + ".tool_call_id'.", param + ".tool_call_id");
        }
        String text = plainText(message.get("content"), param + ".content");
        // Bedrock rejects blank text blocks, and a tool may well return nothing.
        ToolResultContentBlock result = ToolResultContentBlock.fromText(text.isBlank() ? "(empty)" : text);
        return ContentBlock.fromToolResult(
                ToolResultBlock.builder().toolUseId(id).content(result).build());
    }

    /** Bedrock rejects blank text blocks; OpenAI clients do send empty strings. */
    private static void addText(List<ContentBlock> blocks, String text) {
        if (!text.isBlank()) {
            blocks.add(ContentBlock.fromText(text));
        }
    }

    /** The text of a string or an array of text parts (system, developer and tool messages). */
    private static String plainText(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            if (!"text".equals(part.path("type").asText())) {
                throw ChatParameters.unsupported(
                        PROVIDER,
                        param + "[" + j + "].type",
                        "accepts only text parts in system, developer and tool messages");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.path("text").asText());
        }
        return text.toString();
    }

    // ---- sampling ----------------------------------------------------------------------------------------------

    private static InferenceConfiguration inferenceConfig(ChatRequest request) {
        InferenceConfiguration.Builder config = InferenceConfiguration.builder();
        boolean any = false;
        int maxTokens = ChatParameters.maxTokens(request);
        if (maxTokens > 0) {
            config.maxTokens(maxTokens);
            any = true;
        }
        Double temperature = ChatParameters.decimal(request, "temperature");
        if (temperature != null) {
            config.temperature(temperature.floatValue());
            any = true;
        }
        Double topP = ChatParameters.decimal(request, "top_p");
        if (topP != null) {
            config.topP(topP.floatValue());
            any = true;
        }
        List<String> stop = ChatParameters.stop(request);
        if (!stop.isEmpty()) {
            config.stopSequences(stop);
            any = true;
        }
        return any ? config.build() : null;
    }

    // ---- tools -------------------------------------------------------------------------------------------------

    private record Tools(ToolConfiguration config, String responseToolName) {}

    /**
     * {@code tool_choice} auto/required/function become auto/any/tool. {@code none} omits the tools, except when the
     * conversation already holds tool uses or results: Bedrock then insists on a {@code toolConfig}, so the tools
     * stay (with the model's default choice). A {@code json_schema} format adds a forced response tool, or, beside
     * the caller's tools, requires one of the tools.
     */
    private static Tools tools(ChatRequest request, boolean jsonSchema, boolean historyUsesTools) {
        ObjectNode openAi = request.body();
        List<Tool> tools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        JsonNode openAiTools = openAi.path("tools");
        for (int i = 0; i < openAiTools.size(); i++) {
            ToolSpecification spec = toolSpec(openAiTools.get(i), "tools[" + i + "]");
            names.add(spec.name());
            tools.add(Tool.fromToolSpec(spec));
        }
        JsonNode choiceNode = openAi.get("tool_choice");
        boolean none = choiceNode != null && "none".equals(choiceNode.asText());
        ToolChoice choice = none ? null : toolChoice(choiceNode);
        if (none && !historyUsesTools) {
            tools.clear();
        }
        String responseTool = null;
        if (jsonSchema) {
            responseTool = responseToolName(openAi, names);
            JsonNode format = openAi.path("response_format").path("json_schema");
            tools.add(Tool.fromToolSpec(ToolSpecification.builder()
                    .name(responseTool)
                    .description(format.path("description").asText(RESPONSE_TOOL_DESCRIPTION))
                    .inputSchema(ToolInputSchema.fromJson(JsonDocuments.toDocument(format.path("schema"))))
                    .build()));
            boolean callerForcedOne = choice != null && choice.tool() != null;
            if (!callerForcedOne) {
                choice = tools.size() > 1 && !none
                        ? ToolChoice.fromAny(AnyToolChoice.builder().build())
                        : ToolChoice.fromTool(
                                SpecificToolChoice.builder().name(responseTool).build());
            }
        }
        if (tools.isEmpty()) {
            return new Tools(null, null);
        }
        ToolConfiguration.Builder config = ToolConfiguration.builder().tools(tools);
        if (choice != null) {
            config.toolChoice(choice);
        }
        return new Tools(config.build(), responseTool);
    }

    private static ToolSpecification toolSpec(JsonNode tool, String param) {
        if (!"function".equals(tool.path("type").asText())) {
            throw ChatParameters.unsupported(PROVIDER, param + ".type", "accepts only 'function' tools");
        }
        JsonNode function = tool.path("function");
        String name = function.path("name").asText("");
        if (name.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Missing required parameter: '" + param + ".function.name'.", param + ".function.name");
        }
        ToolSpecification.Builder spec = ToolSpecification.builder().name(name);
        String description = function.path("description").asText("");
        if (!description.isBlank()) {
            spec.description(description);
        }
        JsonNode parameters = function.get("parameters");
        JsonNode schema = parameters != null && parameters.isObject()
                ? parameters
                : Json.MAPPER
                        .createObjectNode()
                        .put("type", "object")
                        .set("properties", Json.MAPPER.createObjectNode());
        return spec.inputSchema(ToolInputSchema.fromJson(JsonDocuments.toDocument(schema)))
                .build();
    }

    private static ToolChoice toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return switch (choice.asText()) {
                case "auto" -> ToolChoice.fromAuto(AutoToolChoice.builder().build());
                case "required" -> ToolChoice.fromAny(AnyToolChoice.builder().build());
                default ->
                    throw GatewayException.invalidRequest(
                            "Invalid value for 'tool_choice': '" + choice.asText()
                                    + "'. Supported values are: 'none', 'auto', 'required'.",
                            "tool_choice");
            };
        }
        String name = choice.path("function").path("name").asText("");
        if (!"function".equals(choice.path("type").asText()) || name.isBlank()) {
            throw GatewayException.invalidRequest(
                    "Invalid 'tool_choice': expected 'none', 'auto', 'required' or "
                            + "{\"type\": \"function\", \"function\": {\"name\": ...}}.",
                    "tool_choice");
        }
        return ToolChoice.fromTool(SpecificToolChoice.builder().name(name).build());
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

    private static String responseToolName(ObjectNode openAi, Set<String> callerToolNames) {
        JsonNode format = openAi.path("response_format").path("json_schema");
        if (!format.path("schema").isObject()) {
            throw GatewayException.invalidRequest(
                    "The " + PROVIDER + " provider needs "
                            + "'response_format.json_schema.schema' (a JSON Schema object) for json_schema responses.",
                    "response_format.json_schema.schema");
        }
        String name = format.path("name").asText("");
        if (!TOOL_NAME.matcher(name).matches()) {
            name = DEFAULT_RESPONSE_TOOL;
        }
        if (callerToolNames.contains(name)) {
            throw GatewayException.invalidRequest(
                    "'response_format.json_schema.name' must differ from the names of " + "the request's tools: the "
                            + PROVIDER + " provider answers through a tool of that name.",
                    "response_format.json_schema.name");
        }
        return name;
    }
}
