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
    private GeminiResponse.UsageMetadata usage;

    GeminiStreamMapper(ChatStreamListener listener) {
        this.listener = listener;
    }

    /** One {@code data:} event. */
    void onResponse(GeminiResponse response) {
        if (response.error() != null && response.error().isObject()) {
            throw UpstreamErrors.midStreamError(
                    GeminiProvider.TYPE, response.error().path("message").asText("no message"));
        }
        if (!roleSent) {
            roleSent = true;
            listener.onChunk(StreamChunk.start());
        }
        for (GeminiResponse.Candidate candidate : response.candidatesOrEmpty()) {
            candidate.parts().forEach(this::relayPart);
            String reason = candidate.finishReason() == null ? "" : candidate.finishReason();
            if (!reason.isEmpty() && !reason.equals("FINISH_REASON_UNSPECIFIED")) {
                finishReason = toFinishReason(reason);
            }
        }
        if (response.candidatesOrEmpty().isEmpty()
                && response.promptFeedback() != null
                && response.promptFeedback().blockReason() != null) {
            finishReason = "content_filter";
        }
        if (response.usageMetadata() != null) {
            usage = response.usageMetadata();
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

    private void relayPart(GeminiResponse.Part part) {
        if (part.text() != null && !part.text().isEmpty()) {
            listener.onChunk(StreamChunk.of(
                    part.thought() ? new StreamDelta.Reasoning(0, part.text()) : new StreamDelta.Text(0, part.text())));
        }
        if (part.functionCall() != null) {
            listener.onChunk(toolCall(part.functionCall(), part.thoughtSignature()));
        }
    }

    private StreamChunk toolCall(GeminiResponse.FunctionCall call, String signature) {
        int index = toolCalls++;
        String id = "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        ObjectNode extra = null;
        if (signature != null) {
            // Where Google's own OpenAI-compatible endpoint returns it; GeminiRequestMapper reads it back.
            extra = Json.MAPPER.createObjectNode();
            extra.putObject("google").put("thought_signature", signature);
        }
        JsonNode args = call.args();
        return StreamChunk.of(
                new StreamDelta.ToolCallStart(0, index, id, call.name() == null ? "" : call.name(), extra),
                new StreamDelta.ToolCallArguments(
                        0, index, args != null && args.isObject() ? Json.writeString(args) : "{}"));
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
    static TokenUsage toTokenUsage(GeminiResponse.UsageMetadata usage) {
        long thoughts = usage.thoughtsTokenCount();
        return new TokenUsage(
                usage.promptTokenCount() + usage.toolUsePromptTokenCount(),
                usage.candidatesTokenCount() + thoughts,
                usage.cachedContentTokenCount(),
                thoughts);
    }
}
