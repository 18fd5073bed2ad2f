package dev.sluice.inbound.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds stream chunks back into the {@code choices} of one {@code chat.completion}, for clients that did not ask to
 * stream: text and refusals are concatenated, tool calls are merged by index with their argument fragments joined,
 * reasoning text (DeepSeek's {@code reasoning_content}) kept beside the content, the last finish reason wins.
 */
public final class CompletionAssembler {
    private static final class Choice {
        final String role = "assistant";
        final StringBuilder content = new StringBuilder();
        boolean sawContent;
        final StringBuilder refusal = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        String finishReason;
    }

    private final Map<Integer, Choice> choices = new TreeMap<>();

    public void add(StreamChunk chunk) {
        if (!chunk.hasOutput()) {
            // The start of the turn: the message exists, with empty content until text arrives.
            choice(0).sawContent = true;
            return;
        }
        for (StreamDelta delta : chunk.deltas()) {
            Choice choice = choice(delta.choice());
            switch (delta) {
                case StreamDelta.Text text -> {
                    choice.content.append(text.text());
                    choice.sawContent = true;
                }
                case StreamDelta.Reasoning reasoning -> choice.reasoning.append(reasoning.text());
                case StreamDelta.Refusal refusal -> choice.refusal.append(refusal.text());
                case StreamDelta.ToolCallStart start -> startToolCall(choice, start);
                case StreamDelta.ToolCallArguments arguments -> {
                    ObjectNode function =
                            (ObjectNode) toolCall(choice, arguments.index()).get("function");
                    function.put("arguments", function.get("arguments").asText() + arguments.fragment());
                }
                case StreamDelta.Finish finish -> choice.finishReason = finish.reason();
                case StreamDelta.Untyped untyped -> {
                    // not part of a chat.completion message
                }
            }
        }
    }

    private Choice choice(int index) {
        return choices.computeIfAbsent(index, i -> new Choice());
    }

    private static void startToolCall(Choice choice, StreamDelta.ToolCallStart start) {
        ObjectNode call = toolCall(choice, start.index());
        if (start.id() != null) {
            call.put("id", start.id());
        }
        if (start.extraContent() != null) {
            // Provider state a client must send back with the call, e.g. Gemini's thought signature.
            call.set("extra_content", start.extraContent());
        }
        if (start.name() != null) {
            ObjectNode function = (ObjectNode) call.get("function");
            function.put("name", function.get("name").asText() + start.name());
        }
    }

    private static ObjectNode toolCall(Choice choice, int index) {
        return choice.toolCalls.computeIfAbsent(index, i -> {
            ObjectNode created = Json.MAPPER.createObjectNode();
            created.put("type", "function");
            created.putObject("function").put("name", "").put("arguments", "");
            return created;
        });
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
