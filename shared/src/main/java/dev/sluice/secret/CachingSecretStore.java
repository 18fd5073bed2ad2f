package dev.sluice.secret;

import dev.sluice.cache.TtlCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** Keeps credentials for a while so a request does not pay a Secrets Manager call; rotation shows after the TTL. */
public final class CachingSecretStore implements SecretStore {
    private final SecretStore delegate;
    private final TtlCache<String, String> cache;

    public CachingSecretStore(SecretStore delegate, Duration ttl, Clock clock) {
        this.delegate = delegate;
        this.cache = new TtlCache<>(ttl, clock, 1_000);
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
