package dev.sluice.provider;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.usage.TokenUsage;

/** Receives a provider's output as it arrives. */
public interface ChatStreamListener {

    /** The {@code choices} of one OpenAI {@code chat.completion.chunk}: deltas and finish reasons. */
    void onChoices(ArrayNode choices);

    /** Usage the upstream reported; may be called more than once, the receiver adds. */
    void onUsage(TokenUsage usage);
}
