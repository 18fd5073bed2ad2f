package dev.sluice.inbound.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.OpenAiChunkJson;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.stream.SseWriter;
import dev.sluice.usage.TokenUsage;
import java.util.Map;

/**
 * The OpenAI chat-completions dialect: for a streaming client each chunk is written and flushed the moment it
 * arrives, then the usage chunk and {@code [DONE]}; otherwise the chunks are assembled into one
 * {@code chat.completion}.
 *
 * <p>A chunk an OpenAI-style upstream sent goes to a streaming client as the upstream's bytes with only its
 * {@code id} and {@code model} replaced (and its {@code usage} dropped, or null when the client asked for usage): no
 * new document per chunk on the busiest path. Chunks of other providers are written from their deltas.
 */
public final class ChatCompletionRelay extends ResponseRelay {
    private final String completionId;
    private final String model;
    private final long created;
    private final boolean stream;
    private final boolean includeUsage;
    private final CompletionAssembler assembler;
    private final byte[] completionIdJson;
    private final byte[] modelJson;

    private SseWriter sse;

    /**
     * @param model       the alias the client asked for, echoed in every chunk as OpenAI echoes the model
     */
    public ChatCompletionRelay(
            ResponseChannel channel,
            String completionId,
            String model,
            long createdEpochSeconds,
            boolean stream,
            boolean includeUsage) {
        super(channel);
        this.completionId = completionId;
        this.model = model;
        this.created = createdEpochSeconds;
        this.stream = stream;
        this.includeUsage = includeUsage;
        this.assembler = stream ? null : new CompletionAssembler();
        this.completionIdJson = Json.write(completionId);
        this.modelJson = Json.write(model);
    }

    @Override
    protected void relay(StreamChunk chunk) {
        if (!stream) {
            assembler.add(chunk);
            return;
        }
        OpenAiChunkJson upstream = chunk.openAiJson();
        if (upstream != null) {
            sse().data(upstream.rewrite(completionIdJson, modelJson, includeUsage));
            return;
        }
        ObjectNode node = envelope("chat.completion.chunk");
        node.set("choices", choices(chunk));
        if (includeUsage) {
            node.putNull("usage");
        }
        sse().data(Json.write(node));
    }

    /**
     * A chunk's deltas as OpenAI stream choices, one per choice in a row: a chunk without output is the role chunk;
     * a tool call's start and the argument fragment right after it share one {@code tool_calls} entry.
     */
    static ArrayNode choices(StreamChunk chunk) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        if (!chunk.hasOutput()) {
            return roleChunk(choices);
        }
        ObjectNode choice = null;
        ObjectNode delta = null;
        ObjectNode openCall = null; // the tool call just started, still waiting for its arguments
        int openCallIndex = -1;
        for (StreamDelta part : chunk.deltas()) {
            if (choice == null || choice.get("index").intValue() != part.choice()) {
                choice = choices.addObject().put("index", part.choice());
                delta = choice.putObject("delta");
                choice.putNull("finish_reason");
                openCall = null;
            }
            switch (part) {
                case StreamDelta.Text text -> append(delta, "content", text.text());
                case StreamDelta.Reasoning reasoning -> append(delta, "reasoning_content", reasoning.text());
                case StreamDelta.Refusal refusal -> append(delta, "refusal", refusal.text());
                case StreamDelta.ToolCallStart start -> {
                    openCall = toolCallStart(toolCalls(delta).addObject(), start);
                    openCallIndex = start.index();
                }
                case StreamDelta.ToolCallArguments arguments -> {
                    ObjectNode call = openCall != null && openCallIndex == arguments.index()
                            ? openCall
                            : toolCalls(delta).addObject().put("index", arguments.index());
                    function(call).put("arguments", arguments.fragment());
                    openCall = null;
                }
                case StreamDelta.Finish finish -> choice.put("finish_reason", finish.reason());
                case StreamDelta.Untyped untyped -> {
                    // only in an upstream's own chunk, which is never rebuilt from deltas
                }
            }
        }
        return choices;
    }

    /** The first fragment of a tool call, as OpenAI streams it: index, id, type, name and empty arguments. */
    private static ObjectNode toolCallStart(ObjectNode call, StreamDelta.ToolCallStart start) {
        call.put("index", start.index());
        if (start.id() != null) {
            call.put("id", start.id());
        }
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        if (start.name() != null) {
            function.put("name", start.name());
        }
        function.put("arguments", "");
        if (start.extraContent() != null) {
            call.set("extra_content", start.extraContent());
        }
        return call;
    }

    /** The first chunk of a stream, before any output: the assistant's role and empty content. */
    private static ArrayNode roleChunk(ArrayNode choices) {
        ObjectNode choice = choices.addObject().put("index", 0);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.putNull("finish_reason");
        return choices;
    }

    private static ObjectNode function(ObjectNode call) {
        return call.get("function") instanceof ObjectNode function ? function : call.putObject("function");
    }

    private static ArrayNode toolCalls(ObjectNode delta) {
        return delta.get("tool_calls") instanceof ArrayNode calls ? calls : delta.putArray("tool_calls");
    }

    private static void append(ObjectNode delta, String field, String text) {
        var previous = delta.get(field);
        delta.put(field, previous == null ? text : previous.asText() + text);
    }

    @Override
    protected void completeResponse(TokenUsage usage) {
        if (stream) {
            if (includeUsage) {
                ObjectNode chunk = envelope("chat.completion.chunk");
                chunk.putArray("choices");
                chunk.set("usage", usageJson(usage));
                sse().data(Json.write(chunk));
            }
            sse().done();
        } else {
            ObjectNode completion = envelope("chat.completion");
            completion.set("choices", assembler.toCompletionChoices());
            completion.set("usage", usageJson(usage));
            channel.sendJson(200, JSON_HEADERS, Json.write(completion));
        }
    }

    @Override
    public void fail(GatewayException error, String requestId) {
        if (sse != null) {
            sse.data(OpenAiErrorFormat.INSTANCE.body(error, requestId));
        } else {
            ErrorResponder.send(channel, Map.of(), error, requestId, OpenAiErrorFormat.INSTANCE);
        }
    }

    @Override
    public boolean hasStarted() {
        return sse != null;
    }

    private SseWriter sse() {
        if (sse == null) {
            sse = new SseWriter(channel.startStream(200, SSE_HEADERS));
        }
        return sse;
    }

    private ObjectNode envelope(String object) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", completionId);
        node.put("object", object);
        node.put("created", created);
        node.put("model", model);
        return node;
    }

    /** OpenAI's {@code usage} object, with the cached and reasoning details. */
    public static ObjectNode usageJson(TokenUsage usage) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.completionTokens());
        node.put("total_tokens", usage.totalTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedPromptTokens());
        node.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        return node;
    }
}
