package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One Messages streaming event (https://docs.anthropic.com/en/docs/build-with-claude/streaming), or a whole
 * {@code Message} object, bound to records that ignore the fields the gateway does not read. Event and delta types
 * added later by Anthropic bind too; the mapper ignores the ones it does not know.
 *
 * @param index       the content block an event is about
 * @param message     {@code message_start}'s message (its usage)
 * @param delta       a content block's delta, or {@code message_delta}'s stop reason
 * @param usage       {@code message_delta}'s (or a whole message's) cumulative usage
 * @param stopReason  a whole message's stop reason
 * @param content     a whole message's content blocks
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record AnthropicEvent(
        String type,
        int index,
        MessageStart message,
        @JsonProperty("content_block") ContentBlock contentBlock,
        Delta delta,
        Usage usage,
        @JsonProperty("stop_reason") String stopReason,
        List<ContentBlock> content) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record MessageStart(Usage usage) {}

    /** A text, thinking or tool_use block as it starts (or, in a whole message, as it ends). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ContentBlock(String type, String text, String thinking, String id, String name, JsonNode input) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Delta(
            String type,
            String text,
            String thinking,
            @JsonProperty("partial_json") String partialJson,
            @JsonProperty("stop_reason") String stopReason) {}

    /** Counts are cumulative; an absent one (null) leaves the last value as it was. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Usage(
            @JsonProperty("input_tokens") Long inputTokens,
            @JsonProperty("output_tokens") Long outputTokens,
            @JsonProperty("cache_read_input_tokens") Long cacheReadInputTokens,
            @JsonProperty("cache_creation_input_tokens") Long cacheCreationInputTokens) {}
}
