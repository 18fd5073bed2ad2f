package dev.sluice.provider;

import dev.sluice.usage.TokenUsage;
import java.util.List;
import java.util.Objects;

/**
 * Vectors in input order, and the prompt tokens the upstream reported; {@code usage} is null when it reported none
 * (the gateway then estimates and marks the usage event {@code estimated}).
 */
public record EmbeddingResult(List<float[]> vectors, TokenUsage usage) {
    public EmbeddingResult {
        Objects.requireNonNull(vectors, "vectors");
        vectors = List.copyOf(vectors);
    }
}
