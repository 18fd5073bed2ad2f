package dev.sluice.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One piece of a provider's output, whatever the provider's wire format. Every delta names the choice it belongs to
 * (0 unless the client asked for several); deltas arrive in the order the upstream produced them.
 */
public sealed interface StreamDelta {

    int choice();

    /** Answer text. */
    record Text(int choice, String text) implements StreamDelta {}

    /** Reasoning text shown beside the answer (DeepSeek's {@code reasoning_content}, Anthropic's thinking). */
    record Reasoning(int choice, String text) implements StreamDelta {}

    /** A refusal, in place of the answer. */
    record Refusal(int choice, String text) implements StreamDelta {}

    /**
     * The start of a tool call; its arguments follow as {@link ToolCallArguments} with the same {@code index}.
     *
     * @param index        the call's position among the choice's tool calls, as OpenAI numbers them
     * @param id           the call's id, or null when the upstream gave none
     * @param name         the function's name, or null when the upstream gave none
     * @param extraContent provider state a client must send back with the call (Gemini's thought signature, in
     *                     OpenAI's {@code extra_content} shape), or null
     */
    record ToolCallStart(int choice, int index, String id, String name, JsonNode extraContent) implements StreamDelta {}

    /** A fragment of a tool call's JSON arguments; the fragments of one call join into its arguments. */
    record ToolCallArguments(int choice, int index, String fragment) implements StreamDelta {}

    /** The end of a choice, with OpenAI's {@code finish_reason} ({@code stop}, {@code length}, ...). */
    record Finish(int choice, String reason) implements StreamDelta {}

    /**
     * Output of a kind this interface does not type (an OpenAI-style delta field such as {@code audio}, the legacy
     * {@code function_call}, OpenRouter's {@code reasoning}): it counts as output, and only a client that gets the
     * upstream's own chunk sees it.
     *
     * @param field the upstream's name for it
     */
    record Untyped(int choice, String field) implements StreamDelta {}
}
