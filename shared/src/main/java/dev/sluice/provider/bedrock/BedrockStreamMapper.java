package dev.sluice.provider.bedrock;

import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
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
 * ConverseStream events of one call as typed stream chunks: {@code messageStart} → the start of the turn, text
 * deltas → text, reasoning text → reasoning, a tool-use block → a tool call (running index, Bedrock's
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
            case MessageStartEvent start -> emit(listener, StreamChunk.start());
            case ContentBlockStartEvent start -> blockStart(start, listener);
            case ContentBlockDeltaEvent delta -> blockDelta(delta, listener);
            case MessageStopEvent stop -> {
                stopped = true;
                emit(listener, StreamChunk.of(new StreamDelta.Finish(0, toFinishReason(stop.stopReasonAsString()))));
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
        emit(
                listener,
                StreamChunk.of(new StreamDelta.ToolCallStart(0, index, toolUse.toolUseId(), toolUse.name(), null)));
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
                emit(listener, StreamChunk.of(new StreamDelta.Text(0, input)));
                return;
            }
            Integer index = toolIndexByBlock.get(block);
            if (index != null) {
                emit(listener, StreamChunk.of(new StreamDelta.ToolCallArguments(0, index, input)));
            }
        } else if (delta.text() != null) {
            if (responseToolName == null && !delta.text().isEmpty()) {
                emit(listener, StreamChunk.of(new StreamDelta.Text(0, delta.text())));
            }
        } else if (delta.reasoningContent() != null
                && delta.reasoningContent().text() != null
                && !delta.reasoningContent().text().isEmpty()) {
            emit(
                    listener,
                    StreamChunk.of(new StreamDelta.Reasoning(
                            0, delta.reasoningContent().text())));
        }
        // Reasoning signatures and redacted reasoning, citations: nothing an OpenAI client reads.
    }

    private void emit(ChatStreamListener listener, StreamChunk chunk) {
        delivered = true;
        listener.onChunk(chunk);
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
}
