package dev.sluice.store;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.StoredKey;
import dev.sluice.cache.TtlCache;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Remembers key lookups for a short TTL, so the hot path does not read the keys table on every request. A revoked
 * key stops working within the TTL on every instance; keep the TTL short (seconds). Unknown keys are remembered
 * apart and briefly: a new key works within {@link #MISS_TTL}, and a flood of made-up keys costs one read per
 * distinct key without evicting the keys in use.
 */
public final class CachedKeyRepository implements KeyRepository {
    public static final Duration MISS_TTL = Duration.ofSeconds(1);
    public static final int MAX_KEYS = 10_000;
    public static final int MAX_UNKNOWN_KEYS = 2_000;

    private final KeyRepository delegate;
    private final TtlCache<String, ApiKey> cache;

    public CachedKeyRepository(KeyRepository delegate, Duration ttl, Clock clock) {
        this(delegate, TtlCache.Limits.of(ttl, MAX_KEYS, MISS_TTL, MAX_UNKNOWN_KEYS), clock);
    }

    public CachedKeyRepository(KeyRepository delegate, TtlCache.Limits limits, Clock clock) {
        this.delegate = delegate;
        this.cache = TtlCache.create(limits, clock);
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

    @Override
    public List<StoredKey> findByTenant(String tenantId) {
        return delegate.findByTenant(tenantId);
    }

    @Override
    public Optional<StoredKey> findById(String keyId) {
        return delegate.findById(keyId);
    }
}
