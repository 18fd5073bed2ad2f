package dev.sluice.responsecache.semantic;

import java.time.Duration;
import java.util.Optional;

/**
 * Where the semantic cache finds a stored answer for a prompt that means the same as an earlier one: prompt embeddings
 * by namespace (tenant, alias, and the hash of everything but the last user turn), each pointing at an answer the
 * exact cache holds. Nothing crosses namespaces, so one tenant can never find another's answer.
 */
public interface VectorIndex {

    /**
     * Adds an entry, or replaces one with the same id.
     *
     * @param vector the prompt's embedding; any length, the same for every entry of a namespace
     * @param ttl    how long the entry may be found; the answer it points at expires with it
     */
    void add(String namespace, String entryId, float[] vector, Duration ttl);

    /** The most similar live entry whose cosine similarity is at least {@code minSimilarity}, or empty. */
    Optional<Neighbour> nearest(String namespace, float[] vector, double minSimilarity);

    /** An entry found, with its cosine similarity to the query (-1 to 1). */
    record Neighbour(String entryId, double similarity) {}
}
