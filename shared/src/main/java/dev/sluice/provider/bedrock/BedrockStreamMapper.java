package dev.sluice.provider.bedrock;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChunkChoices;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.usage.TokenUsage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDelta;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlockStart;

/**
 * ConverseStream events of one call as OpenAI chunk choices: {@code messageStart} → the role chunk, text deltas →
 * content, reasoning text → {@code reasoning_content}, a tool-use block → a tool call (running index, Bedrock's
 * {@code toolUseId} as id) whose input fragments are the argument fragments, {@code messageStop} → the finish reason,
 * {@code metadata} → the usage. The input of a {@code json_schema} response tool is streamed as content instead, and
 * text beside it is dropped, so the content is the JSON document alone.
 */
final class BedrockStreamMapper {
    private final String responseToolName;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private final Set<Integer> responseBlocks = new HashSet<>();
    private boolean delivered;
    private boolean stopped;

    /** @param responseToolName the tool carrying a {@code json_schema} answer, or null */
    BedrockStreamMapper(String responseToolName) {
        this.responseToolName = responseToolName;
    }

    void relay(ConverseStreamOutput event, ChatStreamListener listener) {
        switch (event) {
            case MessageStartEvent start -> emit(listener, ChunkChoices.role("assistant"));
            case ContentBlockStartEvent start -> blockStart(start, listener);
            case ContentBlockDeltaEvent delta -> blockDelta(delta, listener);
            case MessageStopEvent stop -> {
                stopped = true;
                emit(listener, ChunkChoices.finish(toFinishReason(stop.stopReasonAsString())));
            }
            case ConverseStreamMetadataEvent metadata -> {
                TokenUsage usage = toTokenUsage(metadata.usage());
                if (usage != null) {
                    listener.onUsage(usage);
                }
            }
            default -> {
                // contentBlockStop, and event types newer than this SDK: nothing to relay.
            }
        }
    }

    /** True once {@code messageStop} arrived: a stream that ends before it was cut. */
    boolean complete() {
        return stopped;
    }

    /** True once any chunk went to the listener: past that point the call cannot be retried elsewhere. */
    boolean delivered() {
        return delivered;
    }

    private void blockStart(ContentBlockStartEvent event, ChatStreamListener listener) {
        ToolUseBlockStart toolUse = event.start() == null ? null : event.start().toolUse();
        if (toolUse == null) {
            return;
        }
        int block = blockIndex(event.contentBlockIndex());
        if (toolUse.name().equals(responseToolName)) {
            responseBlocks.add(block);
            return;
        }
        int index = toolIndexByBlock.size();
        toolIndexByBlock.put(block, index);
        ObjectNode call = Json.MAPPER.createObjectNode();
        call.put("index", index);
        call.put("id", toolUse.toolUseId());
        call.put("type", "function");
        call.putObject("function").put("name", toolUse.name()).put("arguments", "");
        emit(listener, toolCallChoices(call));
    }

    private void blockDelta(ContentBlockDeltaEvent event, ChatStreamListener listener) {
        ContentBlockDelta delta = event.delta();
        if (delta == null) {
            return;
        }
        int block = blockIndex(event.contentBlockIndex());
        if (delta.toolUse() != null) {
            String input = delta.toolUse().input();
            if (input == null || input.isEmpty()) {
                return;
            }
            if (responseBlocks.contains(block)) {
                emit(listener, ChunkChoices.content(input));
                return;
            }
            Integer index = toolIndexByBlock.get(block);
            if (index != null) {
                ObjectNode call = Json.MAPPER.createObjectNode();
                call.put("index", index);
                call.putObject("function").put("arguments", input);
                emit(listener, toolCallChoices(call));
            }
        } else if (delta.text() != null) {
            if (responseToolName == null && !delta.text().isEmpty()) {
                emit(listener, ChunkChoices.content(delta.text()));
            }
        } else if (delta.reasoningContent() != null && delta.reasoningContent().text() != null) {
            emit(listener, deltaChoices(Json.MAPPER.createObjectNode()
                    .put("reasoning_content", delta.reasoningContent().text())));
        }
        // Reasoning signatures and redacted reasoning, citations: nothing an OpenAI client reads.
    }

    private void emit(ChatStreamListener listener, ArrayNode choices) {
        delivered = true;
        listener.onChoices(choices);
    }

    private String toFinishReason(String stopReason) {
        return switch (stopReason == null ? "" : stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            // The response tool is how a json_schema answer ends: for the client it is a plain stop.
            case "tool_use" -> toolIndexByBlock.isEmpty() && !responseBlocks.isEmpty() ? "stop" : "tool_calls";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, malformed output
        };
    }

    /**
     * Bedrock's {@code inputTokens} leaves out the tokens read from or written to the prompt cache; OpenAI's
     * {@code prompt_tokens} counts them all.
     */
    static TokenUsage toTokenUsage(software.amazon.awssdk.services.bedrockruntime.model.TokenUsage usage) {
        if (usage == null) {
            return null;
        }
        long cacheRead = count(usage.cacheReadInputTokens());
        long prompt = count(usage.inputTokens()) + cacheRead + count(usage.cacheWriteInputTokens());
        return new TokenUsage(prompt, count(usage.outputTokens()), cacheRead, 0);
    }

    private static long count(Integer tokens) {
        return tokens == null ? 0 : Math.max(0, tokens);
    }

    private static int blockIndex(Integer index) {
        return index == null ? 0 : index;
    }

    private static ArrayNode toolCallChoices(ObjectNode call) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return deltaChoices(delta);
    }

    private static ArrayNode deltaChoices(ObjectNode delta) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("finish_reason");
        return choices;
    }
}
