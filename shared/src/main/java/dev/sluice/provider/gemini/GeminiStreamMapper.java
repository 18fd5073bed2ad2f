package dev.sluice.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChunkChoices;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.usage.TokenUsage;
import java.util.Set;
import java.util.UUID;

/**
 * Gemini's streamed {@code GenerateContentResponse}s to OpenAI chunk choices, for one call
 * (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
 *
 * <p>Gemini has no end-of-stream event: the last response carries a {@code finishReason} and the server closes the
 * connection. Its {@code usageMetadata} is cumulative, repeated in many responses, so only the last one counts. The
 * finish reason and the usage are therefore reported once, by {@link #complete()}, when the body has ended.
 * Function calls arrive whole, one {@code functionCall} part each, so each becomes one complete tool-call delta.
 */
final class GeminiStreamMapper {
    private static final Set<String> FILTERED = Set.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT",
            "SPII", "IMAGE_SAFETY");

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
            throw UpstreamErrors.midStreamError(GeminiProvider.TYPE, error.path("message").asText("no message"));
        }
        if (!roleSent) {
            roleSent = true;
            listener.onChoices(ChunkChoices.role("assistant"));
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
        listener.onChoices(ChunkChoices.finish(reason));
        if (usage != null) {
            listener.onUsage(toTokenUsage(usage));
        }
    }

    private void relayPart(JsonNode part) {
        JsonNode text = part.get("text");
        if (text != null && text.isTextual() && !text.asText().isEmpty()) {
            if (part.path("thought").asBoolean(false)) {
                listener.onChoices(delta("reasoning_content", text.asText()));
            } else {
                listener.onChoices(ChunkChoices.content(text.asText()));
            }
        }
        JsonNode call = part.get("functionCall");
        if (call != null && call.isObject()) {
            listener.onChoices(toolCall(call, part.path("thoughtSignature").asText(null)));
        }
    }

    private ArrayNode toolCall(JsonNode call, String signature) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        ObjectNode tool = choice.putObject("delta").putArray("tool_calls").addObject();
        tool.put("index", toolCalls++);
        tool.put("id", "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
        tool.put("type", "function");
        JsonNode args = call.path("args");
        tool.putObject("function")
                .put("name", call.path("name").asText())
                .put("arguments", args.isObject() ? Json.writeString(args) : "{}");
        if (signature != null) {
            // Where Google's own OpenAI-compatible endpoint returns it; GeminiRequestMapper reads it back.
            tool.putObject("extra_content").putObject("google").put("thought_signature", signature);
        }
        choice.putNull("finish_reason");
        return choices;
    }

    private static ArrayNode delta(String field, String value) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.putObject("delta").put(field, value);
        choice.putNull("finish_reason");
        return choices;
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
                usage.path("promptTokenCount").asLong(0) + usage.path("toolUsePromptTokenCount").asLong(0),
                usage.path("candidatesTokenCount").asLong(0) + thoughts,
                usage.path("cachedContentTokenCount").asLong(0),
                thoughts);
    }
}
