package dev.sluice.secret;

import dev.sluice.cache.TtlCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Keeps credentials for a while so a request does not pay a Secrets Manager call; rotation shows after the TTL.
 * Concurrent requests for a credential not yet cached share one call; a missing secret is remembered briefly
 * ({@link #MISS_TTL}) so a misconfigured route does not call Secrets Manager on every request.
 */
public final class CachingSecretStore implements SecretStore {
    public static final Duration MISS_TTL = Duration.ofSeconds(5);
    public static final int MAX_SECRETS = 1_000;
    public static final int MAX_MISSING_SECRETS = 100;

    private final SecretStore delegate;
    private final TtlCache<String, String> cache;

    public CachingSecretStore(SecretStore delegate, Duration ttl, Clock clock) {
        this(delegate, TtlCache.Limits.of(ttl, MAX_SECRETS, MISS_TTL, MAX_MISSING_SECRETS), clock);
    }

    public CachingSecretStore(SecretStore delegate, TtlCache.Limits limits, Clock clock) {
        this.delegate = delegate;
        this.cache = TtlCache.create(limits, clock);
    }

    @Override
    public String get(String reference) {
        return cache.get(reference, this::load).orElseThrow(() -> new SecretNotFoundException(reference));
    }

    private Optional<String> load(String reference) {
        try {
            return Optional.of(delegate.get(reference));
        } catch (SecretNotFoundException e) {
            return Optional.empty();
        }
    }
}
