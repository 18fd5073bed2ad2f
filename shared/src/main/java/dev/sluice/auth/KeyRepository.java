package dev.sluice.auth;

import java.util.List;
import java.util.Optional;

/** Where API keys live, looked up by the SHA-256 hex of the presented key. */
public interface KeyRepository {
    /** The request path's look-up. */
    Optional<ApiKey> findByHash(String keyHash);

    void put(String keyHash, ApiKey key);

    /** Management: a tenant's keys, by key id. */
    List<StoredKey> findByTenant(String tenantId);

    /** Management: one key by its printable id. */
    Optional<StoredKey> findById(String keyId);
}
