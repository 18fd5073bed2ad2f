package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.SseEventReader;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.usage.TokenUsage;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one Anthropic Messages event stream into typed stream chunks and usage. Stateful: one instance per call.
 *
 * <p>Anthropic numbers content blocks across text, thinking and tool use; OpenAI numbers tool calls on their own, so
 * each {@code tool_use} block gets the next tool-call index. The block of the tool that carries a {@code json_schema}
 * answer is not a tool call for the client: its input arrives as content, as it would from OpenAI.
 *
 * <p>Usage: {@code message_start} carries the prompt side, {@code message_delta} the cumulative output count (and, in
 * newer API versions, the prompt side again); the last value of each field wins. It is reported once, when the
 * message is over.
 */
final class AnthropicStreamMapper {
    private static final String PROVIDER = AnthropicProvider.TYPE;

    private enum Kind {
        TEXT,
        THINKING,
        TOOL_CALL,
        RESPONSE_TOOL,
        OTHER
    }

    private static final class Block {
        final Kind kind;
        final int toolIndex;
        boolean gotArguments;

        Block(Kind kind, int toolIndex) {
            this.kind = kind;
            this.toolIndex = toolIndex;
        }
    }

    private final String responseToolName;
    private final ChatStreamListener listener;
    private final Map<Integer, Block> blocks = new HashMap<>();
    private int toolCalls;
    private boolean answeredThroughResponseTool;
    private boolean started;
    private boolean finished;
    private boolean stopped;
    private boolean finalUsageKnown;
    private boolean usageReported;
    private long inputTokens;
    private long cacheReadTokens;
    private long cacheCreationTokens;
    private long outputTokens;

    /** @param responseToolName the tool standing for a {@code json_schema} answer, or null */
    AnthropicStreamMapper(String responseToolName, ChatStreamListener listener) {
        this.responseToolName = responseToolName;
        this.listener = listener;
    }

    /**
     * Reads {@code event:}/{@code data:} frames until {@code message_stop}.
     *
     * @throws dev.sluice.error.GatewayException for an {@code error} event or a stream that ends early
     */
    void relay(InputStream body) throws IOException {
        SseEventReader events = new SseEventReader(body);
        for (SseEventReader.Event event = events.next(); !stopped && event != null; event = events.next()) {
            dispatch(event.name(), event.data());
        }
        if (!stopped) {
            reportUsageIfFinal();
            throw UpstreamErrors.incompleteStream(PROVIDER);
        }
    }

    /** An upstream that answered {@code stream: true} with one whole Message object. */
    void relayWholeMessage(JsonNode tree) throws IOException {
        if ("error".equals(tree.path("type").asText())) {
            throw AnthropicErrors.fromStreamEvent(tree, false);
        }
        AnthropicEvent message = Json.MAPPER.treeToValue(tree, AnthropicEvent.class);
        startMessage(message.usage());
        List<AnthropicEvent.ContentBlock> content = message.content() == null ? List.of() : message.content();
        for (int i = 0; i < content.size(); i++) {
            AnthropicEvent.ContentBlock block = content.get(i);
            startBlock(i, block); // relays the text and thinking a block starts with
            if ("tool_use".equals(block.type()) && block.input() != null) {
                onArguments(i, Json.writeString(block.input()));
            }
            stopBlock(i);
        }
        messageDelta(message.usage(), message.stopReason());
        stopped = true;
        reportUsageIfFinal();
    }

    private void dispatch(String event, String data) throws IOException {
        if (data.isEmpty()) {
            return;
        }
        AnthropicEvent payload = Json.MAPPER.readValue(data, AnthropicEvent.class);
        String type = payload.type() != null ? payload.type() : event == null ? "" : event;
        switch (type) {
            case "message_start" ->
                startMessage(
                        payload.message() == null ? null : payload.message().usage());
            case "content_block_start" -> startBlock(payload.index(), payload.contentBlock());
            case "content_block_delta" -> delta(payload.index(), payload.delta());
            case "content_block_stop" -> stopBlock(payload.index());
            case "message_delta" ->
                messageDelta(
                        payload.usage(),
                        payload.delta() == null ? null : payload.delta().stopReason());
            case "message_stop" -> {
                stopped = true;
                reportUsageIfFinal();
            }
            case "error" -> {
                reportUsageIfFinal();
                throw AnthropicErrors.fromStreamEvent(Json.read(data), started);
            }
            default -> {
                // ping, and event types added after this adapter was written.
            }
        }
    }

    private void startMessage(AnthropicEvent.Usage usage) {
        readUsage(usage);
        ensureStarted();
    }

    private void ensureStarted() {
        if (!started) {
            started = true;
            listener.onChunk(StreamChunk.start());
        }
    }

    private void startBlock(int index, AnthropicEvent.ContentBlock block) {
        ensureStarted();
        switch (block == null || block.type() == null ? "" : block.type()) {
            case "text" -> {
                blocks.put(index, new Block(Kind.TEXT, -1));
                onText(block.text());
            }
            case "thinking" -> {
                blocks.put(index, new Block(Kind.THINKING, -1));
                onThinking(block.thinking());
            }
            case "tool_use" -> {
                String name = block.name() == null ? "" : block.name();
                if (name.equals(responseToolName)) {
                    answeredThroughResponseTool = true;
                    blocks.put(index, new Block(Kind.RESPONSE_TOOL, -1));
                    return;
                }
                int toolIndex = toolCalls++;
                blocks.put(index, new Block(Kind.TOOL_CALL, toolIndex));
                listener.onChunk(StreamChunk.of(
                        new StreamDelta.ToolCallStart(0, toolIndex, block.id() == null ? "" : block.id(), name, null)));
            }
            default -> blocks.put(index, new Block(Kind.OTHER, -1));
        }
    }

    private void delta(int index, AnthropicEvent.Delta delta) {
        ensureStarted();
        switch (delta == null || delta.type() == null ? "" : delta.type()) {
            case "text_delta" -> onText(delta.text());
            case "thinking_delta" -> onThinking(delta.thinking());
            case "input_json_delta" -> onArguments(index, delta.partialJson());
            default -> {
                // signature_delta, citations_delta: nothing the OpenAI dialect carries.
            }
        }
    }

    /** A tool call whose input never got a fragment still needs arguments a client can parse. */
    private void stopBlock(int index) {
        Block block = blocks.get(index);
        if (block != null && block.kind == Kind.TOOL_CALL && !block.gotArguments) {
            onArguments(index, "{}");
        }
    }

    private void onText(String text) {
        if (text != null && !text.isEmpty()) {
            listener.onChunk(StreamChunk.of(new StreamDelta.Text(0, text)));
        }
    }

    private void onThinking(String text) {
        if (text != null && !text.isEmpty()) {
            listener.onChunk(StreamChunk.of(new StreamDelta.Reasoning(0, text)));
        }
    }

    private void onArguments(int index, String fragment) {
        Block block = blocks.get(index);
        if (block == null || fragment == null || fragment.isEmpty()) {
            return;
        }
        if (block.kind == Kind.RESPONSE_TOOL) {
            onText(fragment);
        } else if (block.kind == Kind.TOOL_CALL) {
            block.gotArguments = true;
            listener.onChunk(StreamChunk.of(new StreamDelta.ToolCallArguments(0, block.toolIndex, fragment)));
        }
    }

    /** The stop reason (from {@code message_delta}, or a whole message) ends the answer; usage is now final. */
    private void messageDelta(AnthropicEvent.Usage usage, String stopReason) {
        if (usage != null) {
            readUsage(usage);
            finalUsageKnown = true;
        }
        if (!finished && stopReason != null) {
            finished = true;
            ensureStarted();
            listener.onChunk(StreamChunk.of(new StreamDelta.Finish(0, finishReason(stopReason))));
        }
    }

    String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> toolCalls == 0 && answeredThroughResponseTool ? "stop" : "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** Each field present replaces the earlier value: Anthropic's counts are cumulative. */
    private void readUsage(AnthropicEvent.Usage usage) {
        if (usage == null) {
            return;
        }
        inputTokens = count(usage.inputTokens(), inputTokens);
        cacheReadTokens = count(usage.cacheReadInputTokens(), cacheReadTokens);
        cacheCreationTokens = count(usage.cacheCreationInputTokens(), cacheCreationTokens);
        outputTokens = count(usage.outputTokens(), outputTokens);
    }

    private static long count(Long value, long previous) {
        return value == null ? previous : Math.max(0, value);
    }

    /** Reports usage once, and only once the final output count is known. */
    private void reportUsageIfFinal() {
        if (finalUsageKnown && !usageReported) {
            usageReported = true;
            listener.onUsage(toTokenUsage());
        }
    }

    TokenUsage toTokenUsage() {
        return new TokenUsage(inputTokens + cacheReadTokens + cacheCreationTokens, outputTokens, cacheReadTokens, 0);
    }
}
