package dev.sluice.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatParameters;
import dev.sluice.route.Deployment;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An OpenAI chat request to a Gemini {@code GenerateContentRequest}
 * (https://ai.google.dev/api/generate-content#request-body), and OpenAI embedding inputs to a
 * {@code BatchEmbedContentsRequest} (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents).
 *
 * <p>Gemini keeps the system prompt apart ({@code systemInstruction}), knows two roles ({@code user}, {@code model}),
 * wants tool results as {@code functionResponse} parts of a user turn named by function rather than by call id, and
 * rejects two turns of the same role in a row, so consecutive turns of one role are merged.
 */
final class GeminiRequestMapper {
    /** Gemini's {@code batchEmbedContents} takes at most this many requests per call. */
    static final int MAX_EMBED_BATCH = 100;

    /**
     * Documented stand-in for a missing thought signature (https://ai.google.dev/gemini-api/docs/thought-signatures):
     * Gemini 3 rejects a replayed {@code functionCall} without one, and callers that did not keep the signature Sluice
     * returned (non-streaming clients, histories from other models) would otherwise fail on every tool round trip.
     */
    static final String SKIP_SIGNATURE = "skip_thought_signature_validator";

    /** Models that predate thought-signature validation; others get {@link #SKIP_SIGNATURE} when needed. */
    private static final Pattern UNSIGNED_MODELS = Pattern.compile("(models/)?(gemini-1\\.|gemini-2\\.|gemma-).*");

    /**
     * The keys of Gemini's {@code Schema} (an OpenAPI 3.0 subset, https://ai.google.dev/api/caching#Schema) kept in
     * function parameters; every other JSON-Schema keyword ({@code additionalProperties}, {@code $schema},
     * {@code strict}, {@code const}, {@code examples}, {@code not}, {@code patternProperties}, ...) is rejected by
     * the API as an unknown field, so it is dropped. {@code $ref}, {@code oneOf} and type arrays are rewritten.
     */
    private static final List<String> SCHEMA_SCALARS = List.of(
            "title",
            "description",
            "nullable",
            "maxItems",
            "minItems",
            "minProperties",
            "maxProperties",
            "minLength",
            "maxLength",
            "pattern",
            "example",
            "default",
            "minimum",
            "maximum",
            "propertyOrdering");
    /** The Gemini Developer API accepts only these {@code format}s. */
    private static final List<String> FORMATS = List.of("enum", "date-time", "int32", "int64", "float", "double");

    private static final int MAX_SCHEMA_DEPTH = 32;

    private GeminiRequestMapper() {}

    /** {@code models/<name>}, or the route's own resource name when it has one ({@code tunedModels/...}). */
    static String modelPath(String upstreamModel) {
        return upstreamModel.contains("/") ? upstreamModel : "models/" + upstreamModel;
    }

    static ObjectNode toGenerateContent(ChatRequest request, Deployment deployment) {
        ChatParameters.rejectUnsupported(request, GeminiProvider.TYPE);
        ObjectNode body = Json.MAPPER.createObjectNode();
        boolean signs = !UNSIGNED_MODELS
                .matcher(deployment.upstreamModel().toLowerCase(Locale.ROOT))
                .matches();
        new Conversation(signs).translate(request.messages(), body);
        tools(request, body);
        generationConfig(request, deployment, body);
        return body;
    }

    static ObjectNode toBatchEmbed(String modelPath, List<String> texts, int dimensions) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String text : texts) {
            ObjectNode request = requests.addObject();
            request.put("model", modelPath);
            request.putObject("content").putArray("parts").addObject().put("text", text);
            if (dimensions > 0) {
                request.put("outputDimensionality", dimensions);
            }
        }
        return body;
    }

    // ---- messages ----------------------------------------------------------------------------------------------

    /** Walks the OpenAI messages once, remembering tool-call names so tool results can be named. */
    private static final class Conversation {
        private final boolean signs;
        private final Map<String, String> toolNames = new HashMap<>();
        private final ArrayNode system = Json.MAPPER.createArrayNode();
        private final ArrayNode contents = Json.MAPPER.createArrayNode();

        Conversation(boolean signs) {
            this.signs = signs;
        }

        void translate(ArrayNode messages, ObjectNode body) {
            for (int i = 0; i < messages.size(); i++) {
                JsonNode message = messages.get(i);
                String param = "messages[" + i + "]";
                switch (message.path("role").asText()) {
                    case "system", "developer" -> textParts(message.get("content"), param + ".content", system);
                    case "user" -> append("user", userParts(message.get("content"), param + ".content"));
                    case "assistant" -> append("model", assistantParts(message, param));
                    case "tool" -> append("user", toolResult(message, param));
                    case "function" ->
                        append("user", functionResult(message.path("name").asText(), message.get("content")));
                    default -> throw GatewayException.invalidRequest("Unsupported role.", param + ".role");
                }
            }
            if (!system.isEmpty()) {
                body.putObject("systemInstruction").set("parts", system);
            }
            body.set("contents", contents);
        }

        /** Adds a turn, or extends the previous one when it has the same role. */
        private void append(String role, ArrayNode parts) {
            if (parts.isEmpty()) {
                return;
            }
            JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
            if (last != null && role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("parts")).addAll(parts);
                return;
            }
            ObjectNode turn = contents.addObject();
            turn.put("role", role);
            turn.set("parts", parts);
        }

        private ArrayNode userParts(JsonNode content, String param) {
            ArrayNode parts = Json.MAPPER.createArrayNode();
            if (content == null || content.isNull()) {
                return parts;
            }
            if (content.isTextual()) {
                addText(parts, content.asText());
                return parts;
            }
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String partParam = param + "[" + j + "]";
                switch (part.path("type").asText()) {
                    case "text" -> addText(parts, part.path("text").asText());
                    case "image_url" -> parts.add(image(ChatParameters.image(part, partParam)));
                    case "input_audio" -> parts.add(audio(part.path("input_audio"), partParam));
                    case "file" -> parts.add(file(part.path("file"), partParam));
                    default ->
                        throw ChatParameters.unsupported(
                                GeminiProvider.TYPE,
                                partParam + ".type",
                                "does not accept content parts of type '"
                                        + part.path("type").asText() + "'");
                }
            }
            return parts;
        }

        private ArrayNode assistantParts(JsonNode message, String param) {
            ArrayNode parts = Json.MAPPER.createArrayNode();
            textParts(message.get("content"), param + ".content", parts);
            JsonNode calls = message.path("tool_calls");
            boolean first = true;
            for (int j = 0; j < calls.size(); j++) {
                JsonNode call = calls.get(j);
                String callParam = param + ".tool_calls[" + j + "]";
                JsonNode function = call.path("function");
                String name = function.path("name").asText("");
                if (name.isEmpty()) {
                    throw GatewayException.invalidRequest(
                            "A tool call needs 'function.name'.", callParam + ".function.name");
                }
                if (call.hasNonNull("id")) {
                    toolNames.put(call.get("id").asText(), name);
                }
                String signature = call.path("extra_content")
                        .path("google")
                        .path("thought_signature")
                        .asText(null);
                parts.add(functionCall(
                        name,
                        function.get("arguments"),
                        callParam + ".function.arguments",
                        signature != null ? signature : first && signs ? SKIP_SIGNATURE : null));
                first = false;
            }
            JsonNode legacy = message.get("function_call");
            if (legacy != null && legacy.isObject()) {
                parts.add(functionCall(
                        legacy.path("name").asText(),
                        legacy.get("arguments"),
                        param + ".function_call.arguments",
                        first && signs ? SKIP_SIGNATURE : null));
            }
            return parts;
        }

        private ArrayNode toolResult(JsonNode message, String param) {
            String id = message.path("tool_call_id").asText("");
            String name = toolNames.get(id);
            if (name == null) {
                throw GatewayException.invalidRequest(
                        "The tool message's 'tool_call_id' (" + id
                                + ") matches no tool call of an earlier assistant message.",
                        param + ".tool_call_id");
            }
            return functionResult(name, message.get("content"));
        }

        private static ArrayNode functionResult(String name, JsonNode content) {
            String text = content != null && content.isTextual() ? content.asText() : joinedText(content);
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.put("name", name);
            JsonNode parsed = parseOrNull(text);
            if (parsed != null && parsed.isObject()) {
                response.set("response", parsed);
            } else {
                response.putObject("response").put("content", text);
            }
            ArrayNode parts = Json.MAPPER.createArrayNode();
            parts.addObject().set("functionResponse", response);
            return parts;
        }
    }

    private static void textParts(JsonNode content, String param, ArrayNode into) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isTextual()) {
            addText(into, content.asText());
            return;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText();
            if (type.equals("text")) {
                addText(into, part.path("text").asText());
            } else if (!type.equals("refusal")) {
                throw ChatParameters.unsupported(
                        GeminiProvider.TYPE,
                        param + "[" + j + "].type",
                        "accepts only text in system and assistant messages");
            }
        }
    }

    private static String joinedText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            text.append(part.path("text").asText());
        }
        return text.toString();
    }

    private static void addText(ArrayNode parts, String text) {
        if (!text.isEmpty()) {
            parts.addObject().put("text", text);
        }
    }

    private static ObjectNode functionCall(String name, JsonNode arguments, String param, String signature) {
        ObjectNode part = Json.MAPPER.createObjectNode();
        ObjectNode call = part.putObject("functionCall");
        call.put("name", name);
        String text = arguments == null || arguments.isNull() ? "" : arguments.asText();
        JsonNode args = text.isBlank() ? Json.MAPPER.createObjectNode() : parseOrNull(text);
        if (args == null || !args.isObject()) {
            throw GatewayException.invalidRequest("Tool call arguments must be a JSON object.", param);
        }
        call.set("args", args);
        if (signature != null) {
            part.put("thoughtSignature", signature);
        }
        return part;
    }

    private static ObjectNode image(ChatParameters.Image image) {
        ObjectNode part = Json.MAPPER.createObjectNode();
        if (image.isInline()) {
            part.putObject("inlineData").put("mimeType", image.mediaType()).put("data", image.base64Data());
        } else {
            part.putObject("fileData")
                    .put("mimeType", guessImageType(image.url()))
                    .put("fileUri", image.url());
        }
        return part;
    }

    static String guessImageType(String url) {
        String path = url.toLowerCase(Locale.ROOT);
        int end = path.length();
        for (char stop : new char[] {'?', '#'}) {
            int at = path.indexOf(stop);
            end = at >= 0 ? Math.min(end, at) : end;
        }
        path = path.substring(0, end);
        if (path.endsWith(".png")) {
            return "image/png";
        }
        if (path.endsWith(".webp")) {
            return "image/webp";
        }
        if (path.endsWith(".gif")) {
            return "image/gif";
        }
        if (path.endsWith(".heic")) {
            return "image/heic";
        }
        if (path.endsWith(".heif")) {
            return "image/heif";
        }
        return "image/jpeg";
    }

    private static ObjectNode audio(JsonNode audio, String param) {
        String format = audio.path("format").asText("");
        String data = audio.path("data").asText("");
        if (data.isEmpty() || !(format.equals("wav") || format.equals("mp3"))) {
            throw GatewayException.invalidRequest(
                    "An input_audio part needs base64 'data' and a 'format' of wav or " + "mp3.",
                    param + ".input_audio");
        }
        ObjectNode part = Json.MAPPER.createObjectNode();
        part.putObject("inlineData").put("mimeType", "audio/" + format).put("data", data);
        return part;
    }

    private static ObjectNode file(JsonNode file, String param) {
        String data = file.path("file_data").asText("");
        int comma = data.indexOf(',');
        if (!data.startsWith("data:") || comma < 0 || !data.substring(0, comma).endsWith(";base64")) {
            throw ChatParameters.unsupported(
                    GeminiProvider.TYPE,
                    param + ".file",
                    "accepts files only inline, as a base64 data URL in 'file_data'");
        }
        String mimeType = data.substring(5, comma - ";base64".length());
        ObjectNode part = Json.MAPPER.createObjectNode();
        part.putObject("inlineData").put("mimeType", mimeType).put("data", data.substring(comma + 1));
        return part;
    }

    private static JsonNode parseOrNull(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            return null;
        }
    }

    // ---- tools -------------------------------------------------------------------------------------------------

    private static void tools(ChatRequest request, ObjectNode body) {
        JsonNode tools = request.body().path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (int i = 0; i < tools.size(); i++) {
                declarations.add(declaration(tools.get(i), "tools[" + i + "]"));
            }
        }
        JsonNode choice = request.body().get("tool_choice");
        if (choice != null && !choice.isNull()) {
            body.putObject("toolConfig").set("functionCallingConfig", functionCallingConfig(choice));
        }
    }

    private static ObjectNode declaration(JsonNode tool, String param) {
        if (!"function".equals(tool.path("type").asText())) {
            throw ChatParameters.unsupported(
                    GeminiProvider.TYPE, param + ".type", "supports only tools of type 'function'");
        }
        JsonNode function = tool.path("function");
        if (!function.path("name").isTextual()) {
            throw GatewayException.invalidRequest("A tool needs 'function.name'.", param + ".function.name");
        }
        ObjectNode declaration = Json.MAPPER.createObjectNode();
        declaration.put("name", function.get("name").asText());
        if (function.path("description").isTextual()) {
            declaration.put("description", function.get("description").asText());
        }
        JsonNode parameters = function.get("parameters");
        if (parameters != null && parameters.isObject() && !isEmptyObjectSchema(parameters)) {
            declaration.set("parameters", schema(parameters, parameters, 0));
        }
        return declaration;
    }

    private static ObjectNode functionCallingConfig(JsonNode choice) {
        ObjectNode config = Json.MAPPER.createObjectNode();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> config.put("mode", "AUTO");
                case "none" -> config.put("mode", "NONE");
                case "required" -> config.put("mode", "ANY");
                default ->
                    throw GatewayException.invalidRequest(
                            "Invalid value for 'tool_choice': '" + choice.asText()
                                    + "'. Supported values are: 'none', 'auto' and 'required'.",
                            "tool_choice");
            }
        } else if ("function".equals(choice.path("type").asText())
                && choice.path("function").path("name").isTextual()) {
            config.put("mode", "ANY");
            config.putArray("allowedFunctionNames")
                    .add(choice.path("function").path("name").asText());
        } else {
            throw ChatParameters.unsupported(
                    GeminiProvider.TYPE,
                    "tool_choice",
                    "accepts 'tool_choice' as 'none', 'auto', 'required' or one named function");
        }
        return config;
    }

    /** Gemini rejects an OBJECT schema without properties; a function without parameters omits them. */
    private static boolean isEmptyObjectSchema(JsonNode schema) {
        return "object".equals(schema.path("type").asText())
                && schema.path("properties").isEmpty()
                && !schema.has("anyOf")
                && !schema.has("oneOf")
                && !schema.has("$ref");
    }

    /** JSON Schema to Gemini's {@code Schema}: unknown keywords dropped, local {@code $ref}s inlined. */
    static ObjectNode schema(JsonNode source, JsonNode root, int depth) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (depth > MAX_SCHEMA_DEPTH) {
            return out; // a recursive $ref: Gemini has no references, so the recursion stops untyped
        }
        if (source.path("$ref").isTextual()) {
            JsonNode target = resolve(root, source.get("$ref").asText());
            ObjectNode resolved = target == null ? out : schema(target, root, depth + 1);
            if (source.path("description").isTextual()) {
                resolved.put("description", source.get("description").asText());
            }
            return resolved;
        }
        type(source.get("type"), out);
        for (String key : SCHEMA_SCALARS) {
            if (source.has(key)) {
                out.set(key, source.get(key).deepCopy());
            }
        }
        if (source.path("format").isTextual()
                && FORMATS.contains(source.get("format").asText())) {
            out.put("format", source.get("format").asText());
        }
        enumValues(source, out);
        if (source.path("required").isArray()) {
            out.set("required", source.get("required").deepCopy());
        }
        if (source.path("properties").isObject()) {
            ObjectNode properties = out.putObject("properties");
            source.get("properties")
                    .properties()
                    .forEach(entry -> properties.set(entry.getKey(), schema(entry.getValue(), root, depth + 1)));
        }
        if (source.path("items").isObject()) {
            out.set("items", schema(source.get("items"), root, depth + 1));
        }
        alternatives(source, root, depth, out);
        return out;
    }

    /** JSON Schema's {@code type}, with {@code ["x", "null"]} as Gemini's {@code nullable}. */
    private static void type(JsonNode type, ObjectNode out) {
        if (type != null && type.isArray()) {
            for (JsonNode item : type) {
                if ("null".equals(item.asText())) {
                    out.put("nullable", true);
                } else if (!out.has("type")) {
                    out.put("type", item.asText());
                }
            }
        } else if (type != null && type.isTextual()) {
            out.put("type", type.asText());
        }
    }

    /** {@code enum} and {@code const} as Gemini's string enum. */
    private static void enumValues(JsonNode source, ObjectNode out) {
        if (source.path("enum").isArray()) {
            ArrayNode values = out.putArray("enum");
            source.get("enum").forEach(value -> {
                if (!value.isNull()) {
                    values.add(value.asText());
                }
            });
        } else if (source.has("const") && !source.get("const").isNull()) {
            out.putArray("enum").add(source.get("const").asText());
        }
        if (out.has("enum") && !out.has("type")) {
            out.put("type", "string"); // Gemini's enum values are strings
        }
    }

    /** {@code anyOf}/{@code oneOf}; a null alternative becomes {@code nullable}, a single one is inlined. */
    private static void alternatives(JsonNode source, JsonNode root, int depth, ObjectNode out) {
        JsonNode alternatives = source.path("anyOf").isArray() ? source.get("anyOf") : source.path("oneOf");
        if (alternatives.isArray()) {
            ArrayNode anyOf = out.putArray("anyOf");
            for (JsonNode alternative : alternatives) {
                if ("null".equals(alternative.path("type").asText())) {
                    out.put("nullable", true);
                } else {
                    anyOf.add(schema(alternative, root, depth + 1));
                }
            }
            if (anyOf.size() == 1 && !out.has("type")) {
                ObjectNode only = (ObjectNode) anyOf.get(0);
                out.remove("anyOf");
                only.properties().forEach(field -> out.putIfAbsent(field.getKey(), field.getValue()));
            }
        }
    }

    /** A local JSON pointer such as {@code #/$defs/Address}; null for anything else. */
    private static JsonNode resolve(JsonNode root, String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        JsonNode target = root.at(ref.substring(1));
        return target.isMissingNode() ? null : target;
    }

    // ---- generation config ------------------------------------------------------------------------------------

    private static void generationConfig(ChatRequest request, Deployment deployment, ObjectNode body) {
        ObjectNode config = Json.MAPPER.createObjectNode();
        Double temperature = ChatParameters.decimal(request, "temperature");
        if (temperature != null) {
            config.put("temperature", temperature);
        }
        Double topP = ChatParameters.decimal(request, "top_p");
        if (topP != null) {
            config.put("topP", topP);
        }
        int maxTokens = ChatParameters.maxTokens(request);
        if (maxTokens > 0) {
            config.put("maxOutputTokens", maxTokens);
        }
        List<String> stop = ChatParameters.stop(request);
        if (!stop.isEmpty()) {
            ArrayNode sequences = config.putArray("stopSequences");
            stop.forEach(sequences::add);
        }
        Long seed = ChatParameters.integer(request, "seed");
        if (seed != null) {
            config.put("seed", seed);
        }
        if (ChatParameters.wantsJson(request)) {
            config.put("responseMimeType", "application/json");
            JsonNode schema = ChatParameters.jsonSchema(request);
            if (schema != null && schema.isObject()) {
                config.set("responseJsonSchema", schema.deepCopy());
            }
        }
        if (Boolean.parseBoolean(deployment.option("includeThoughts", "false"))) {
            config.putObject("thinkingConfig").put("includeThoughts", true);
        }
        if (!config.isEmpty()) {
            body.set("generationConfig", config);
        }
    }
}
