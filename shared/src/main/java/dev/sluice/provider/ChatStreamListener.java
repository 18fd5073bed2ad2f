package dev.sluice.provider;

import dev.sluice.usage.TokenUsage;

/** Receives a provider's output as it arrives. */
public interface ChatStreamListener {

    /** One upstream event's deltas. */
    void onChunk(StreamChunk chunk);

    /** Usage the upstream reported; may be called more than once, the receiver adds. */
    void onUsage(TokenUsage usage);

    /**
     * Both listeners, {@code first} before {@code second}, for each call: what {@code first} records is recorded even
     * when {@code second} throws (the client went away).
     */
    static ChatStreamListener tee(ChatStreamListener first, ChatStreamListener second) {
        return new ChatStreamListener() {
            @Override
            public void onChunk(StreamChunk chunk) {
                first.onChunk(chunk);
                second.onChunk(chunk);
            }

            @Override
            public void onUsage(TokenUsage usage) {
                first.onUsage(usage);
                second.onUsage(usage);
            }
        };
    }
}
