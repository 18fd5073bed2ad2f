package dev.sluice.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Keys in memory: the fake for unit tests. */
public final class InMemoryKeyRepository implements KeyRepository {
    private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();

    @Override
    public Optional<ApiKey> findByHash(String keyHash) {
        return Optional.ofNullable(keys.get(keyHash));
    }

    @Override
    public void put(String keyHash, ApiKey key) {
        keys.put(keyHash, key);
    }
}
