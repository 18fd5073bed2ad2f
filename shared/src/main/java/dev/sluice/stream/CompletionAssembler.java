package dev.sluice.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds stream chunk choices back into the {@code choices} of one {@code chat.completion}, for clients that did not
 * ask to stream: content and refusals are concatenated, tool calls are merged by index with their argument
 * fragments joined, reasoning text (DeepSeek's {@code reasoning_content}) kept beside the content, the last finish
 * reason wins.
 */
public final class CompletionAssembler {
    private static final class Choice {
        String role = "assistant";
        final StringBuilder content = new StringBuilder();
        boolean sawContent;
        final StringBuilder refusal = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        String finishReason;
    }

    private final Map<Integer, Choice> choices = new TreeMap<>();

    public void add(ArrayNode chunkChoices) {
        for (JsonNode chunkChoice : chunkChoices) {
            Choice choice = choices.computeIfAbsent(chunkChoice.path("index").asInt(0), i -> new Choice());
            JsonNode delta = chunkChoice.path("delta");
            if (delta.path("role").isTextual()) {
                choice.role = delta.get("role").asText();
            }
            if (delta.path("content").isTextual()) {
                choice.content.append(delta.get("content").asText());
                choice.sawContent = true;
            }
            if (delta.path("reasoning_content").isTextual()) {
                choice.reasoning.append(delta.get("reasoning_content").asText());
            }
            if (delta.path("refusal").isTextual()) {
                choice.refusal.append(delta.get("refusal").asText());
            }
            for (JsonNode call : delta.path("tool_calls")) {
                mergeToolCall(choice, call);
            }
            if (chunkChoice.path("finish_reason").isTextual()) {
                choice.finishReason = chunkChoice.get("finish_reason").asText();
            }
        }
    }

    private static void mergeToolCall(Choice choice, JsonNode fragment) {
        ObjectNode call = choice.toolCalls.computeIfAbsent(fragment.path("index").asInt(0), i -> {
            ObjectNode created = Json.MAPPER.createObjectNode();
            created.put("type", "function");
            created.putObject("function").put("name", "").put("arguments", "");
            return created;
        });
        if (fragment.path("id").isTextual()) {
            call.put("id", fragment.get("id").asText());
        }
        if (fragment.path("type").isTextual()) {
            call.put("type", fragment.get("type").asText());
        }
        if (fragment.path("extra_content").isObject()) {
            // Provider state a client must send back with the call, e.g. Gemini's thought signature.
            call.set("extra_content", fragment.get("extra_content"));
        }
        ObjectNode function = (ObjectNode) call.get("function");
        JsonNode part = fragment.path("function");
        if (part.path("name").isTextual()) {
            function.put("name", function.get("name").asText() + part.get("name").asText());
        }
        if (part.path("arguments").isTextual()) {
            function.put("arguments", function.get("arguments").asText() + part.get("arguments").asText());
        }
    }

    public ArrayNode toCompletionChoices() {
        ArrayNode result = Json.MAPPER.createArrayNode();
        choices.forEach((index, choice) -> {
            ObjectNode out = result.addObject();
            out.put("index", index);
            ObjectNode message = out.putObject("message");
            message.put("role", choice.role);
            if (choice.sawContent || choice.toolCalls.isEmpty()) {
                message.put("content", choice.content.toString());
            } else {
                message.putNull("content");
            }
            if (!choice.refusal.isEmpty()) {
                message.put("refusal", choice.refusal.toString());
            } else {
                message.putNull("refusal");
            }
            if (!choice.reasoning.isEmpty()) {
                message.put("reasoning_content", choice.reasoning.toString());
            }
            if (!choice.toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                choice.toolCalls.values().forEach(calls::add);
            }
            out.putNull("logprobs");
            out.put("finish_reason", choice.finishReason == null ? "stop" : choice.finishReason);
        });
        return result;
    }
}
