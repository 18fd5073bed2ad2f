package dev.sluice.auth;

import java.util.Optional;

/** Where API keys live, looked up by the SHA-256 hex of the presented key. */
public interface KeyRepository {
    Optional<ApiKey> findByHash(String keyHash);

    void put(String keyHash, ApiKey key);
}
