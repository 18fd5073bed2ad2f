package dev.sluice.responsecache;

import dev.sluice.responsecache.semantic.VectorIndex;
import java.util.Objects;

/**
 * Where the response cache keeps things: answers by exact key, and (for routes with a semantic policy) prompt
 * embeddings by namespace; {@code vectors} null when no semantic cache is served.
 */
public record CacheStores(ResponseCache answers, VectorIndex vectors) {
    /** No cache at all. */
    public static final CacheStores NONE = new CacheStores(ResponseCache.NONE, null);

    public CacheStores {
        Objects.requireNonNull(answers, "answers");
    }
}
