package dev.sluice.store;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRepository;
import dev.sluice.cache.TtlCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Remembers key lookups for a short TTL, so the hot path does not read the keys table on every request. A revoked
 * key stops working within the TTL on every instance; keep the TTL short (seconds).
 */
public final class CachedKeyRepository implements KeyRepository {
    private final KeyRepository delegate;
    private final TtlCache<String, ApiKey> cache;

    public CachedKeyRepository(KeyRepository delegate, Duration ttl, Clock clock) {
        this.delegate = delegate;
        this.cache = new TtlCache<>(ttl, clock, 100_000);
    }

    @Override
    public Optional<ApiKey> findByHash(String keyHash) {
        return cache.get(keyHash, delegate::findByHash);
    }

    @Override
    public void put(String keyHash, ApiKey key) {
        delegate.put(keyHash, key);
        cache.invalidate(keyHash);
    }
}
