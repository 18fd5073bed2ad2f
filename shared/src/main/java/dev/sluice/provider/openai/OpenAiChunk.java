package dev.sluice.provider.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.sluice.json.Json;
import dev.sluice.provider.OpenAiChunkJson;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One OpenAI {@code chat.completion.chunk} as the wire carries it
 * (https://platform.openai.com/docs/api-reference/chat-streaming/streaming): its choices, its usage (OpenAI's
 * {@code usage}, or Groq's {@code x_groq.usage}), an {@code error} some servers send mid-stream, and the chunk's own
 * bytes with where its {@code id}, {@code model} and {@code usage} sit ({@link OpenAiChunkJson}).
 *
 * <p>The top level is read with a streaming parser, once, to learn those offsets; the choices and their deltas are
 * read by hand from the same parser (every chunk has them, and binding them took about a third of the relay's CPU),
 * tool calls are bound to records that ignore unknown fields.
 */
record OpenAiChunk(List<Choice> choices, JsonNode usage, JsonNode error, OpenAiChunkJson json) {
    private static final TypeReference<List<ToolCall>> TOOL_CALLS = new TypeReference<>() {};

    /** One choice of the chunk ({@link #readChoices}); unknown fields are skipped. */
    record Choice(int index, Delta delta, String finishReason) {}

    /**
     * Text fields read as text only: some servers (Mistral's reasoning models) send content as a list of parts. Fields
     * of other names are kept in {@code others}, so that output this gateway does not type still counts as output.
     */
    record Delta(
            String role,
            String content,
            String reasoningContent,
            String refusal,
            List<ToolCall> toolCalls,
            Map<String, JsonNode> others) {}

    /** A tool-call fragment: the first of a call carries its id and name, the later ones argument fragments. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ToolCall(
            int index,
            String id,
            Function function,
            @JsonProperty("extra_content") JsonNode extraContent) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Function(String name, String arguments) {}

    /** Reads one chunk: the JSON of one {@code data:} event. */
    static OpenAiChunk read(byte[] json) throws IOException {
        try (JsonParser parser = Json.MAPPER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("an OpenAI stream chunk must be a JSON object");
            }
            Members members = new Members(json, offsetAfter(parser));
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                members.read(parser);
            }
            return members.toChunk((int) parser.currentTokenLocation().getByteOffset());
        }
    }

    /** The top-level members as one pass of the parser meets them: values bound, offsets noted. */
    private static final class Members {
        private final byte[] json;
        private final int bodyStart;
        private int idStart = -1;
        private int idEnd = -1;
        private int modelStart = -1;
        private int modelEnd = -1;
        private int usageStart = -1;
        private int usageEnd = -1;
        private boolean usageNull;
        private List<Choice> choices = List.of();
        private JsonNode usage;
        private JsonNode error;

        Members(byte[] json, int bodyStart) {
            this.json = json;
            this.bodyStart = bodyStart;
        }

        /** Reads the member whose name the parser is on. */
        void read(JsonParser parser) throws IOException {
            String name = parser.currentName();
            int memberStart = (int) parser.currentTokenLocation().getByteOffset();
            JsonToken value = parser.nextToken();
            switch (name) {
                case "id", "model" -> {
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    parser.finishToken();
                    parser.skipChildren();
                    if (name.equals("id")) {
                        idStart = start;
                        idEnd = offsetAfter(parser);
                    } else {
                        modelStart = start;
                        modelEnd = offsetAfter(parser);
                    }
                }
                case "usage" -> {
                    usageNull = value == JsonToken.VALUE_NULL;
                    JsonNode node = parser.readValueAsTree();
                    usage = node != null && node.isObject() ? node : usage;
                    usageStart = memberStart;
                    usageEnd = offsetAfter(parser);
                }
                case "x_groq" -> {
                    JsonNode groq = parser.readValueAsTree();
                    JsonNode groqUsage = groq == null ? null : groq.get("usage");
                    if (usage == null && groqUsage != null && groqUsage.isObject()) {
                        usage = groqUsage;
                    }
                }
                case "choices" -> {
                    if (value == JsonToken.START_ARRAY) {
                        choices = readChoices(parser);
                    } else {
                        parser.skipChildren();
                    }
                }
                case "error" -> error = parser.readValueAsTree();
                default -> parser.skipChildren();
            }
        }

        OpenAiChunk toChunk(int bodyEnd) {
            if (usageStart >= 0) {
                // The member goes with the comma after it, or, when it is the last one, the comma before it.
                int after = skipSpace(json, usageEnd);
                if (after < bodyEnd && json[after] == ',') {
                    usageEnd = after + 1;
                } else {
                    int before = usageStart - 1;
                    while (before > bodyStart && Character.isWhitespace(json[before])) {
                        before--;
                    }
                    usageStart = json[before] == ',' ? before : usageStart;
                }
            }
            return new OpenAiChunk(
                    choices,
                    usage,
                    error,
                    new OpenAiChunkJson(
                            json,
                            bodyStart,
                            bodyEnd,
                            idStart,
                            idEnd,
                            modelStart,
                            modelEnd,
                            usageStart,
                            usageEnd,
                            usageNull));
        }
    }

    /** The choices, the parser on their array's start: objects read, anything else skipped. */
    static List<Choice> readChoices(JsonParser parser) throws IOException {
        List<Choice> choices = new ArrayList<>(1);
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                parser.skipChildren();
                continue;
            }
            int index = 0;
            Delta delta = null;
            String finishReason = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "index" -> index = parser.getValueAsInt(0);
                    case "delta" -> delta = value == JsonToken.START_OBJECT ? readDelta(parser) : skip(parser);
                    case "finish_reason" -> finishReason = scalarText(parser);
                    default -> parser.skipChildren();
                }
            }
            choices.add(new Choice(index, delta, finishReason));
        }
        return choices;
    }

    /** A delta, the parser on its object's start: the typed fields, and every other one kept as a tree. */
    private static Delta readDelta(JsonParser parser) throws IOException {
        String role = null;
        String content = null;
        String reasoningContent = null;
        String refusal = null;
        List<ToolCall> toolCalls = null;
        Map<String, JsonNode> others = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (name) {
                case "role" -> role = scalarText(parser);
                case "content" -> content = textOnly(parser);
                case "reasoning_content" -> reasoningContent = textOnly(parser);
                case "refusal" -> refusal = textOnly(parser);
                case "tool_calls" ->
                    toolCalls =
                            value == JsonToken.START_ARRAY ? Json.MAPPER.readValue(parser, TOOL_CALLS) : skip(parser);
                default -> {
                    if (others == null) {
                        others = new LinkedHashMap<>(2);
                    }
                    others.put(name, value == JsonToken.VALUE_NULL ? NullNode.getInstance() : parser.readValueAsTree());
                }
            }
        }
        return new Delta(role, content, reasoningContent, refusal, toolCalls, others);
    }

    /** A string as itself; anything else (a list of parts, an object) as null, skipped whole. */
    private static String textOnly(JsonParser parser) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        parser.skipChildren();
        return null;
    }

    /** A string or another scalar as text; null, an object or an array as null (skipped whole). */
    private static String scalarText(JsonParser parser) throws IOException {
        if (parser.currentToken().isScalarValue() && parser.currentToken() != JsonToken.VALUE_NULL) {
            return parser.getText();
        }
        parser.skipChildren();
        return null;
    }

    private static <T> T skip(JsonParser parser) throws IOException {
        parser.skipChildren();
        return null;
    }

    /** The chunk's deltas; for a streaming OpenAI client it goes out as the upstream sent it. */
    StreamChunk toStreamChunk() {
        List<StreamDelta> deltas = new ArrayList<>(2);
        for (Choice choice : choices) {
            int index = choice.index();
            Delta delta = choice.delta();
            if (delta != null) {
                if (isText(delta.reasoningContent())) {
                    deltas.add(new StreamDelta.Reasoning(index, delta.reasoningContent()));
                }
                if (isText(delta.content())) {
                    deltas.add(new StreamDelta.Text(index, delta.content()));
                }
                if (isText(delta.refusal())) {
                    deltas.add(new StreamDelta.Refusal(index, delta.refusal()));
                }
                if (delta.toolCalls() != null) {
                    for (ToolCall call : delta.toolCalls()) {
                        addToolCall(deltas, index, call);
                    }
                }
                if (delta.others() != null) {
                    delta.others().forEach((field, value) -> {
                        if (!value.isNull()
                                && !(value.isTextual() && value.asText().isEmpty())) {
                            deltas.add(new StreamDelta.Untyped(index, field));
                        }
                    });
                }
            }
            if (choice.finishReason() != null) {
                deltas.add(new StreamDelta.Finish(index, choice.finishReason()));
            }
        }
        return new StreamChunk(deltas, json);
    }

    private static void addToolCall(List<StreamDelta> deltas, int choice, ToolCall call) {
        String name = call.function() == null ? null : call.function().name();
        JsonNode extra = call.extraContent() != null && call.extraContent().isObject() ? call.extraContent() : null;
        if (call.id() != null || name != null || extra != null) {
            deltas.add(new StreamDelta.ToolCallStart(choice, call.index(), call.id(), name, extra));
        }
        String arguments = call.function() == null ? null : call.function().arguments();
        if (isText(arguments)) {
            deltas.add(new StreamDelta.ToolCallArguments(choice, call.index(), arguments));
        }
    }

    private static boolean isText(String value) {
        return value != null && !value.isEmpty();
    }

    private static int offsetAfter(JsonParser parser) {
        return (int) parser.currentLocation().getByteOffset();
    }

    private static int skipSpace(byte[] json, int from) {
        int i = from;
        while (i < json.length && Character.isWhitespace(json[i])) {
            i++;
        }
        return i;
    }
}
