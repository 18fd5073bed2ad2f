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
    void relayWholeMessage(JsonNode message) {
        if ("error".equals(message.path("type").asText())) {
            throw AnthropicErrors.fromStreamEvent(message, false);
        }
        startMessage(message.path("usage"));
        JsonNode content = message.path("content");
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            startBlock(i, block); // relays the text and thinking a block starts with
            if ("tool_use".equals(block.path("type").asText())) {
                onArguments(i, Json.writeString(block.path("input")));
            }
            stopBlock(i);
        }
        messageDelta(message);
        stopped = true;
        reportUsageIfFinal();
    }

    private void dispatch(String event, String data) throws IOException {
        if (data.isEmpty()) {
            return;
        }
        JsonNode payload = Json.read(data);
        String type = payload.path("type").asText(event == null ? "" : event);
        switch (type) {
            case "message_start" -> startMessage(payload.path("message").path("usage"));
            case "content_block_start" -> startBlock(payload.path("index").asInt(), payload.path("content_block"));
            case "content_block_delta" -> delta(payload.path("index").asInt(), payload.path("delta"));
            case "content_block_stop" -> stopBlock(payload.path("index").asInt());
            case "message_delta" -> messageDelta(payload);
            case "message_stop" -> {
                stopped = true;
                reportUsageIfFinal();
            }
            case "error" -> {
                reportUsageIfFinal();
                throw AnthropicErrors.fromStreamEvent(payload, started);
            }
            default -> {
                // ping, and event types added after this adapter was written.
            }
        }
    }

    private void startMessage(JsonNode usage) {
        readUsage(usage);
        ensureStarted();
    }

    private void ensureStarted() {
        if (!started) {
            started = true;
            listener.onChunk(StreamChunk.start());
        }
    }

    private void startBlock(int index, JsonNode block) {
        ensureStarted();
        switch (block.path("type").asText()) {
            case "text" -> {
                blocks.put(index, new Block(Kind.TEXT, -1));
                onText(block.path("text").asText(""));
            }
            case "thinking" -> {
                blocks.put(index, new Block(Kind.THINKING, -1));
                onThinking(block.path("thinking").asText(""));
            }
            case "tool_use" -> {
                String name = block.path("name").asText();
                if (name.equals(responseToolName)) {
                    answeredThroughResponseTool = true;
                    blocks.put(index, new Block(Kind.RESPONSE_TOOL, -1));
                    return;
                }
                int toolIndex = toolCalls++;
                blocks.put(index, new Block(Kind.TOOL_CALL, toolIndex));
                listener.onChunk(StreamChunk.of(new StreamDelta.ToolCallStart(
                        0, toolIndex, block.path("id").asText(), name, null)));
            }
            default -> blocks.put(index, new Block(Kind.OTHER, -1));
        }
    }

    private void delta(int index, JsonNode delta) {
        ensureStarted();
        switch (delta.path("type").asText()) {
            case "text_delta" -> onText(delta.path("text").asText(""));
            case "thinking_delta" -> onThinking(delta.path("thinking").asText(""));
            case "input_json_delta" ->
                onArguments(index, delta.path("partial_json").asText(""));
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
        if (!text.isEmpty()) {
            listener.onChunk(StreamChunk.of(new StreamDelta.Text(0, text)));
        }
    }

    private void onThinking(String text) {
        if (!text.isEmpty()) {
            listener.onChunk(StreamChunk.of(new StreamDelta.Reasoning(0, text)));
        }
    }

    private void onArguments(int index, String fragment) {
        Block block = blocks.get(index);
        if (block == null || fragment.isEmpty()) {
            return;
        }
        if (block.kind == Kind.RESPONSE_TOOL) {
            onText(fragment);
        } else if (block.kind == Kind.TOOL_CALL) {
            block.gotArguments = true;
            listener.onChunk(StreamChunk.of(new StreamDelta.ToolCallArguments(0, block.toolIndex, fragment)));
        }
    }

    private void messageDelta(JsonNode payload) {
        JsonNode usage = payload.path("usage");
        if (usage.isObject()) {
            readUsage(usage);
            finalUsageKnown = true;
        }
        JsonNode stopReason = payload.path("delta").path("stop_reason");
        if (stopReason.isMissingNode()) {
            stopReason = payload.path("stop_reason"); // a whole Message object
        }
        if (!finished && stopReason.isTextual()) {
            finished = true;
            ensureStarted();
            listener.onChunk(StreamChunk.of(new StreamDelta.Finish(0, finishReason(stopReason.asText()))));
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
    private void readUsage(JsonNode usage) {
        inputTokens = count(usage, "input_tokens", inputTokens);
        cacheReadTokens = count(usage, "cache_read_input_tokens", cacheReadTokens);
        cacheCreationTokens = count(usage, "cache_creation_input_tokens", cacheCreationTokens);
        outputTokens = count(usage, "output_tokens", outputTokens);
    }

    private static long count(JsonNode usage, String field, long previous) {
        JsonNode value = usage.get(field);
        return value != null && value.isNumber() ? Math.max(0, value.longValue()) : previous;
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
