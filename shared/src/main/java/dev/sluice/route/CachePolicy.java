package dev.sluice.route;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What a route's answers may be cached for, and how. Callers still choose per request with {@code x-sluice-cache:
 * on|off} and {@code x-sluice-cache-ttl: <seconds>} (up to {@link #MAX_TTL}).
 *
 * @param mode     which requests are cached when the caller does not say
 * @param ttl      how long an answer is served from the cache
 * @param semantic the semantic cache, or null for the exact cache alone
 */
public record CachePolicy(Mode mode, Duration ttl, Semantic semantic) {
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final Duration MAX_TTL = Duration.ofDays(7);
    /** Deterministic requests cached for an hour, no semantic cache: the policy of a route that sets none. */
    public static final CachePolicy DEFAULT = new CachePolicy(Mode.AUTO, DEFAULT_TTL, null);

    public CachePolicy {
        Objects.requireNonNull(mode, "mode");
        ttl = ttl == null ? DEFAULT_TTL : ttl;
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("cache ttl must be 1 s to 7 days: " + ttl);
        }
    }

    public enum Mode {
        /**
         * Deterministic requests only: {@code temperature} 0 or a {@code seed}, and no tools (a cached tool call would
         * skip or repeat what the caller's tool does); the caller can still opt in with {@code x-sluice-cache: on}.
         */
        AUTO,
        /** Every request the caller does not opt out of (FAQ-style routes where any good answer will do). */
        ALWAYS,
        /** Nothing, whatever the caller asks. */
        OFF;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode fromWireName(String name) {
            for (Mode mode : values()) {
                if (mode.wireName().equals(name)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("unknown cache mode '" + name + "' (known: auto, always, off)");
        }
    }

    /**
     * The semantic cache: a single-turn prompt (or the last user turn after an identical history) embedded with the
     * alias {@code embeddings} finds an earlier answer whose prompt has cosine similarity of at least
     * {@code threshold}.
     */
    public record Semantic(String embeddings, double threshold) {
        public static final double DEFAULT_THRESHOLD = 0.95;

        public Semantic {
            Objects.requireNonNull(embeddings, "embeddings");
            if (!(threshold > 0 && threshold <= 1)) {
                throw new IllegalArgumentException("semantic threshold must be in (0, 1]: " + threshold);
            }
        }
    }
}
