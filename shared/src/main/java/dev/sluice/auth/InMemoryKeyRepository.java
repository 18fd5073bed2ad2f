package dev.sluice.auth;

import java.util.Comparator;
import java.util.List;
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

    @Override
    public List<StoredKey> findByTenant(String tenantId) {
        return keys.entrySet().stream()
                .filter(entry -> entry.getValue().tenantId().equals(tenantId))
                .map(entry -> new StoredKey(entry.getKey(), entry.getValue()))
                .sorted(Comparator.comparing(stored -> stored.key().keyId()))
                .toList();
    }

    @Override
    public Optional<StoredKey> findById(String keyId) {
        return keys.entrySet().stream()
                .filter(entry -> entry.getValue().keyId().equals(keyId))
                .map(entry -> new StoredKey(entry.getKey(), entry.getValue()))
                .findFirst();
    }
}
