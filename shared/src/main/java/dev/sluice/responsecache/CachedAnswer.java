package dev.sluice.responsecache;

import dev.sluice.provider.StreamChunk;
import dev.sluice.usage.TokenUsage;
import java.util.List;
import java.util.Objects;

/**
 * A complete, successful answer as the provider streamed it: its chunks (deltas only, as they arrived), the usage it
 * reported, and which deployment made it. Replayed through the same relay as a live answer, so a hit comes back in
 * the form and dialect the caller asked for, streamed chunk by chunk or as one body.
 *
 * @param provider and {@code model}: the deployment that made it, for the usage event and {@code x-sluice-deployment}
 */
public record CachedAnswer(List<StreamChunk> chunks, TokenUsage usage, String provider, String model) {
    public CachedAnswer {
        chunks = List.copyOf(chunks);
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
    }
}
