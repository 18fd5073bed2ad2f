package dev.sluice.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.usage.TokenUsage;
import java.util.Set;
import java.util.UUID;

/**
 * Gemini's streamed {@code GenerateContentResponse}s to typed stream chunks, for one call
 * (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
 *
 * <p>Gemini has no end-of-stream event: the last response carries a {@code finishReason} and the server closes the
 * connection. Its {@code usageMetadata} is cumulative, repeated in many responses, so only the last one counts. The
 * finish reason and the usage are therefore reported once, by {@link #complete()}, when the body has ended.
 * Function calls arrive whole, one {@code functionCall} part each, so each becomes one chunk: the call's start and
 * all of its arguments.
 */
final class GeminiStreamMapper {
    private static final Set<String> FILTERED =
            Set.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY");

    private final ChatStreamListener listener;
    private boolean roleSent;
    private int toolCalls;
    private String finishReason;
    private JsonNode usage;

    GeminiStreamMapper(ChatStreamListener listener) {
        this.listener = listener;
    }

    /** One {@code data:} event. */
    void onResponse(JsonNode response) {
        JsonNode error = response.get("error");
        if (error != null && error.isObject()) {
            throw UpstreamErrors.midStreamError(
                    GeminiProvider.TYPE, error.path("message").asText("no message"));
        }
        if (!roleSent) {
            roleSent = true;
            listener.onChunk(StreamChunk.start());
        }
        JsonNode candidates = response.path("candidates");
        for (JsonNode candidate : candidates) {
            for (JsonNode part : candidate.path("content").path("parts")) {
                relayPart(part);
            }
            String reason = candidate.path("finishReason").asText("");
            if (!reason.isEmpty() && !reason.equals("FINISH_REASON_UNSPECIFIED")) {
                finishReason = toFinishReason(reason);
            }
        }
        if (candidates.isEmpty() && response.path("promptFeedback").hasNonNull("blockReason")) {
            finishReason = "content_filter";
        }
        if (response.path("usageMetadata").isObject()) {
            usage = response.get("usageMetadata");
        }
    }

    /** The body ended: reports the finish reason and the usage, or fails a stream cut before its last response. */
    void complete() {
        if (finishReason == null) {
            throw UpstreamErrors.incompleteStream(GeminiProvider.TYPE);
        }
        String reason = finishReason.equals("stop") && toolCalls > 0 ? "tool_calls" : finishReason;
        listener.onChunk(StreamChunk.of(new StreamDelta.Finish(0, reason)));
        if (usage != null) {
            listener.onUsage(toTokenUsage(usage));
        }
    }

    private void relayPart(JsonNode part) {
        JsonNode text = part.get("text");
        if (text != null && text.isTextual() && !text.asText().isEmpty()) {
            if (part.path("thought").asBoolean(false)) {
                listener.onChunk(StreamChunk.of(new StreamDelta.Reasoning(0, text.asText())));
            } else {
                listener.onChunk(StreamChunk.of(new StreamDelta.Text(0, text.asText())));
            }
        }
        JsonNode call = part.get("functionCall");
        if (call != null && call.isObject()) {
            listener.onChunk(toolCall(call, part.path("thoughtSignature").asText(null)));
        }
    }

    private StreamChunk toolCall(JsonNode call, String signature) {
        int index = toolCalls++;
        String id = "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        ObjectNode extra = null;
        if (signature != null) {
            // Where Google's own OpenAI-compatible endpoint returns it; GeminiRequestMapper reads it back.
            extra = Json.MAPPER.createObjectNode();
            extra.putObject("google").put("thought_signature", signature);
        }
        JsonNode args = call.path("args");
        return StreamChunk.of(
                new StreamDelta.ToolCallStart(0, index, id, call.path("name").asText(), extra),
                new StreamDelta.ToolCallArguments(0, index, args.isObject() ? Json.writeString(args) : "{}"));
    }

    static String toFinishReason(String geminiReason) {
        if (geminiReason.equals("MAX_TOKENS")) {
            return "length";
        }
        return FILTERED.contains(geminiReason) ? "content_filter" : "stop";
    }

    /**
     * Gemini counts tool-use prompt tokens apart from {@code promptTokenCount} and thoughts apart from
     * {@code candidatesTokenCount}; OpenAI's convention, which {@link TokenUsage} keeps, includes both.
     */
    static TokenUsage toTokenUsage(JsonNode usage) {
        long thoughts = usage.path("thoughtsTokenCount").asLong(0);
        return new TokenUsage(
                usage.path("promptTokenCount").asLong(0)
                        + usage.path("toolUsePromptTokenCount").asLong(0),
                usage.path("candidatesTokenCount").asLong(0) + thoughts,
                usage.path("cachedContentTokenCount").asLong(0),
                thoughts);
    }
}
