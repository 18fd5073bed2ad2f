package dev.sluice.provider.gemini;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One streamed {@code GenerateContentResponse} as the wire carries it
 * (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse), bound to records that ignore the fields
 * the gateway does not read. A stream may also carry a {@code google.rpc.Status} as {@code error}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record GeminiResponse(
        List<Candidate> candidates, PromptFeedback promptFeedback, UsageMetadata usageMetadata, JsonNode error) {

    List<Candidate> candidatesOrEmpty() {
        return candidates == null ? List.of() : candidates;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Candidate(Content content, String finishReason) {
        List<Part> parts() {
            return content == null || content.parts() == null ? List.of() : content.parts();
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Content(List<Part> parts) {}

    /** A text part (a thought summary when {@code thought}), or a whole function call. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Part(String text, boolean thought, FunctionCall functionCall, String thoughtSignature) {}

    /** {@code args} is the caller's arbitrary JSON object. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record FunctionCall(String name, JsonNode args) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record PromptFeedback(String blockReason) {}

    /** Cumulative counts; absent ones are 0. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record UsageMetadata(
            long promptTokenCount,
            long toolUsePromptTokenCount,
            long candidatesTokenCount,
            long cachedContentTokenCount,
            long thoughtsTokenCount) {}
}
