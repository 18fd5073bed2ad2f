package dev.sluice.responsecache;

import java.time.Duration;
import java.util.Optional;

/**
 * Where answers are kept, by cache key. Implementations bound every call in time and never throw for an outage:
 * a lookup that fails or takes too long is a miss, a store that fails is skipped (both logged), so the cache can
 * only ever make a request cheaper, never fail it.
 */
public interface ResponseCache {
    /** No cache at all: every lookup misses, nothing is stored. */
    ResponseCache NONE = new ResponseCache() {
        @Override
        public Optional<CachedAnswer> get(String key) {
            return Optional.empty();
        }

        @Override
        public void put(String key, CachedAnswer answer, Duration ttl) {}

        @Override
        public boolean enabled() {
            return false;
        }
    };

    /** The live answer stored under {@code key}, or empty (none, expired, unreadable, or the store is down). */
    Optional<CachedAnswer> get(String key);

    /** Stores the answer for {@code ttl}; an answer too large to store is skipped. */
    void put(String key, CachedAnswer answer, Duration ttl);

    /** False for {@link #NONE}: the pipeline then skips the cache stage entirely. */
    default boolean enabled() {
        return true;
    }
}
