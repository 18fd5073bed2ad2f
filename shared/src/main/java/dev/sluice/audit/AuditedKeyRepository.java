package dev.sluice.audit;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.StoredKey;
import java.util.List;
import java.util.Optional;

/**
 * Keys whose every write is recorded first ({@link Auditor}), with the key as it was (read by its id) and as it will
 * be; reads pass through. The action says what changed: {@code key.create}, {@code key.revoke}, {@code key.limits}
 * (the limits and nothing else), otherwise {@code key.update}.
 */
public final class AuditedKeyRepository implements KeyRepository {
    private final KeyRepository keys;
    private final Auditor auditor;

    public AuditedKeyRepository(KeyRepository keys, Auditor auditor) {
        this.keys = keys;
        this.auditor = auditor;
    }

    @Override
    public void put(String keyHash, ApiKey key) {
        ApiKey before = keys.findById(key.keyId()).map(StoredKey::key).orElse(null);
        auditor.change(
                action(before, key),
                key.keyId(),
                AuditSnapshots.of(before),
                AuditSnapshots.of(key),
                () -> keys.put(keyHash, key));
    }

    static AuditAction action(ApiKey before, ApiKey after) {
        if (before == null) {
            return AuditAction.KEY_CREATE;
        }
        if (before.status() == ApiKey.Status.ACTIVE
                && after.status() == ApiKey.Status.REVOKED
                && before.withStatus(ApiKey.Status.REVOKED).equals(after)) {
            return AuditAction.KEY_REVOKE;
        }
        ApiKey withNewLimits = new ApiKey(
                before.keyId(),
                before.tenantId(),
                before.name(),
                before.role(),
                before.status(),
                before.allowedModels(),
                after.limits(),
                before.expiresAt(),
                before.allowedIps());
        return withNewLimits.equals(after) && !before.equals(after) ? AuditAction.KEY_LIMITS : AuditAction.KEY_UPDATE;
    }

    @Override
    public Optional<ApiKey> findByHash(String keyHash) {
        return keys.findByHash(keyHash);
    }

    @Override
    public List<StoredKey> findByTenant(String tenantId) {
        return keys.findByTenant(tenantId);
    }

    @Override
    public Optional<StoredKey> findById(String keyId) {
        return keys.findById(keyId);
    }
}
