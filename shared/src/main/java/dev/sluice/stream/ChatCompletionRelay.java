package dev.sluice.stream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.usage.TokenUsage;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The OpenAI chat-completions dialect: for a streaming client each chunk is written and flushed the moment it
 * arrives, then the usage chunk and {@code [DONE]}; otherwise the chunks are assembled into one
 * {@code chat.completion}.
 */
public final class ChatCompletionRelay extends ResponseRelay {
    private final String completionId;
    private final String model;
    private final long created;
    private final boolean stream;
    private final boolean includeUsage;
    private final CompletionAssembler assembler;

    private SseWriter sse;

    /**
     * @param model       the alias the client asked for, echoed in every chunk as OpenAI echoes the model
     * @param extraHeaders headers every response carries (the request id)
     */
    public ChatCompletionRelay(ResponseChannel channel, Map<String, String> extraHeaders, String completionId,
                               String model, long createdEpochSeconds, boolean stream, boolean includeUsage,
                               LongSupplier nanoClock, long startNanos) {
        super(channel, extraHeaders, nanoClock, startNanos);
        this.completionId = completionId;
        this.model = model;
        this.created = createdEpochSeconds;
        this.stream = stream;
        this.includeUsage = includeUsage;
        this.assembler = stream ? null : new CompletionAssembler();
    }

    @Override
    protected void relay(ArrayNode choices) {
        if (stream) {
            ObjectNode chunk = envelope("chat.completion.chunk");
            chunk.set("choices", choices);
            if (includeUsage) {
                chunk.putNull("usage");
            }
            sse().data(Json.write(chunk));
        } else {
            assembler.add(choices);
        }
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
            channel.sendJson(200, headers(JSON_HEADERS), Json.write(completion));
        }
    }

    @Override
    public void fail(GatewayException error, String requestId) {
        if (sse != null) {
            sse.data(OpenAiErrorFormat.INSTANCE.body(error, requestId));
        } else {
            ErrorResponder.send(channel, extraHeaders, error, requestId, OpenAiErrorFormat.INSTANCE);
        }
    }

    @Override
    public boolean hasStarted() {
        return sse != null;
    }

    private SseWriter sse() {
        if (sse == null) {
            sse = new SseWriter(channel.startStream(200, headers(SSE_HEADERS)));
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
