package dev.sluice.inbound.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.stream.SseWriter;
import dev.sluice.usage.TokenUsage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Anthropic messages dialect ({@code POST /v1/messages}) over any provider's typed stream chunks.
 *
 * <p>Streaming: the first relayed chunk opens the stream with {@code message_start} and a {@code ping}; then
 * reasoning becomes a {@code thinking} block, text (and a refusal) a {@code text} block, and each tool call (by its
 * {@code index}) a {@code tool_use} block whose argument fragments go out as {@code input_json_delta}. A block is stopped when another kind of block starts and at the end; {@link #complete}
 * sends {@code message_delta} (stop reason and usage) and {@code message_stop}.
 *
 * <p>What cannot match Anthropic exactly:
 * <ul>
 *   <li>{@code message_start} reports {@code input_tokens: 0}: the provider's usage arrives only at the end of its
 *       stream, so the real counts travel in {@code message_delta}'s usage (current Anthropic SDKs take them from
 *       there).</li>
 *   <li>OpenAI's {@code stop} covers both the natural end and a stop sequence, so the stop reason is
 *       {@code end_turn} and {@code stop_sequence} is always null. Tool calls ended by {@code stop} (some upstreams
 *       do that) still say {@code tool_use}.</li>
 *   <li>Thinking blocks carry an empty {@code signature}: only Anthropic can sign them (and the request translator
 *       drops thinking blocks sent back).</li>
 *   <li>Tool calls are expected one after another, as OpenAI and every Sluice adapter stream them. Should an upstream
 *       interleave them, a late fragment still goes out as an {@code input_json_delta} on its call's own block index
 *       (the official SDKs accumulate by index), rather than being lost.</li>
 *   <li>Only choice 0 is relayed: the translated request never asks for more.</li>
 * </ul>
 *
 * <p>Without streaming the same blocks are accumulated and sent as one {@code message}, tool inputs parsed from their
 * argument JSON ({@code {}} when the upstream's arguments are not a JSON object, e.g. cut off by {@code max_tokens}).
 */
public final class AnthropicMessagesRelay extends ResponseRelay {
    private enum Kind {
        TEXT,
        THINKING,
        TOOL_USE
    }

    /** One content block: its start as sent, and (for a whole message) what its deltas added up to. */
    private record Block(int index, Kind kind, ObjectNode start, StringBuilder accumulated) {}

    private final String messageId;
    private final String model;
    private final boolean stream;
    private final List<Block> blocks = new ArrayList<>();
    private final Map<Integer, Block> toolBlocks = new HashMap<>();

    private Block open;
    private String finishReason;
    private boolean refused;
    private SseWriter sse;

    /**
     * @param messageId    the message id, {@code "msg_" + request id}
     * @param model        the alias the client asked for, echoed as Anthropic echoes the model
     */
    public AnthropicMessagesRelay(ResponseChannel channel, String messageId, String model, boolean stream) {
        super(channel);
        this.messageId = messageId;
        this.model = model;
        this.stream = stream;
    }

    @Override
    protected void relay(StreamChunk chunk) {
        if (stream) {
            start();
        }
        for (StreamDelta delta : chunk.deltas()) {
            if (delta.choice() != 0) {
                continue;
            }
            switch (delta) {
                case StreamDelta.Reasoning reasoning ->
                    append(Kind.THINKING, "thinking_delta", "thinking", reasoning.text());
                case StreamDelta.Text text -> append(Kind.TEXT, "text_delta", "text", text.text());
                case StreamDelta.Refusal refusal -> {
                    refused = true;
                    append(Kind.TEXT, "text_delta", "text", refusal.text());
                }
                case StreamDelta.ToolCallStart start -> toolBlock(start.index(), start.id(), start.name());
                case StreamDelta.ToolCallArguments arguments -> {
                    Block block = toolBlock(arguments.index(), null, null);
                    delta(block, "input_json_delta", "partial_json", arguments.fragment());
                }
                case StreamDelta.Finish finish -> finishReason = finish.reason();
                case StreamDelta.Untyped untyped -> {
                    // nothing Anthropic's events carry
                }
            }
        }
    }

    @Override
    protected void completeResponse(TokenUsage usage) {
        if (stream) {
            start();
            closeOpen();
            ObjectNode messageDelta = event("message_delta");
            messageDelta.putObject("delta").put("stop_reason", stopReason()).putNull("stop_sequence");
            messageDelta.set("usage", usageJson(usage));
            send(messageDelta);
            send(event("message_stop"));
        } else {
            closeOpen();
            ObjectNode message = Json.MAPPER.createObjectNode();
            message.put("id", messageId);
            message.put("type", "message");
            message.put("role", "assistant");
            message.put("model", model);
            ArrayNode content = message.putArray("content");
            blocks.forEach(block -> content.add(finished(block)));
            message.put("stop_reason", stopReason());
            message.putNull("stop_sequence");
            message.set("usage", usageJson(usage));
            channel.sendJson(200, JSON_HEADERS, Json.write(message));
        }
    }

    @Override
    public void fail(GatewayException error, String requestId) {
        if (sse != null) {
            sse.event("error", AnthropicErrorFormat.INSTANCE.body(error, requestId));
        } else {
            ErrorResponder.send(channel, Map.of(), error, requestId, AnthropicErrorFormat.INSTANCE);
        }
    }

    @Override
    public boolean hasStarted() {
        return sse != null;
    }

    /** Anthropic's usage: input tokens exclude the cached ones, which are reported apart. */
    static ObjectNode usageJson(TokenUsage usage) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("input_tokens", Math.max(0, usage.promptTokens() - usage.cachedPromptTokens()));
        node.put("cache_creation_input_tokens", 0);
        node.put("cache_read_input_tokens", usage.cachedPromptTokens());
        node.put("output_tokens", usage.completionTokens());
        return node;
    }

    private void start() {
        if (sse != null) {
            return;
        }
        sse = new SseWriter(channel.startStream(200, SSE_HEADERS));
        ObjectNode messageStart = event("message_start");
        ObjectNode message = messageStart.putObject("message");
        message.put("id", messageId);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        send(messageStart);
        send(event("ping"));
    }

    private void append(Kind kind, String deltaType, String field, String fragment) {
        Block block = open;
        if (block == null || block.kind() != kind) {
            ObjectNode start = Json.MAPPER.createObjectNode();
            if (kind == Kind.TEXT) {
                start.put("type", "text").put("text", "");
            } else {
                start.put("type", "thinking").put("thinking", "").put("signature", "");
            }
            block = startBlock(kind, start);
        }
        delta(block, deltaType, field, fragment);
    }

    /** The block of the tool call with this index, started on its first delta (OpenAI's first has id and name). */
    private Block toolBlock(int index, String id, String name) {
        Block block = toolBlocks.get(index);
        if (block == null) {
            ObjectNode start = Json.MAPPER.createObjectNode();
            start.put("type", "tool_use");
            start.put("id", id != null ? id : "toolu_" + messageId + "_" + index);
            start.put("name", name != null ? name : "");
            start.putObject("input");
            block = startBlock(Kind.TOOL_USE, start);
            toolBlocks.put(index, block);
        }
        return block;
    }

    private Block startBlock(Kind kind, ObjectNode start) {
        closeOpen();
        Block block = new Block(blocks.size(), kind, start, new StringBuilder());
        blocks.add(block);
        open = block;
        if (stream) {
            ObjectNode event = event("content_block_start");
            event.put("index", block.index());
            event.set("content_block", start);
            send(event);
        }
        return block;
    }

    private void delta(Block block, String deltaType, String field, String fragment) {
        if (stream) {
            ObjectNode event = event("content_block_delta");
            event.put("index", block.index());
            event.putObject("delta").put("type", deltaType).put(field, fragment);
            send(event);
        } else {
            block.accumulated().append(fragment);
        }
    }

    private void closeOpen() {
        if (open == null) {
            return;
        }
        if (stream) {
            send(event("content_block_stop").put("index", open.index()));
        }
        open = null;
    }

    private static ObjectNode finished(Block block) {
        ObjectNode node = block.start().deepCopy();
        String accumulated = block.accumulated().toString();
        switch (block.kind()) {
            case TEXT -> node.put("text", accumulated);
            case THINKING -> node.put("thinking", accumulated);
            case TOOL_USE -> node.set("input", toolInput(accumulated));
        }
        return node;
    }

    private static ObjectNode toolInput(String arguments) {
        if (arguments.isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            JsonNode parsed = Json.read(arguments);
            return parsed instanceof ObjectNode object ? object : Json.MAPPER.createObjectNode();
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    private String stopReason() {
        String reason = finishReason == null ? "" : finishReason;
        return switch (reason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> !toolBlocks.isEmpty() ? "tool_use" : refused ? "refusal" : "end_turn";
        };
    }

    private static ObjectNode event(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }

    private void send(ObjectNode event) {
        sse.event(event.get("type").asText(), Json.write(event));
    }
}
