package dev.sluice.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A stored API key: everything but the key itself, which Sluice never keeps (only its SHA-256, see {@link ApiKeys}).
 *
 * @param keyId          stable, printable id used in logs, usage events and counters
 * @param allowedModels  model aliases this key may use; empty means every alias
 * @param expiresAt      null when the key does not expire
 */
public record ApiKey(
        String keyId,
        String tenantId,
        String name,
        Status status,
        Set<String> allowedModels,
        KeyLimits limits,
        Instant expiresAt) {

    public enum Status {
        ACTIVE,
        REVOKED
    }

    public ApiKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
        allowedModels = allowedModels == null ? Set.of() : Set.copyOf(allowedModels);
        limits = limits == null ? KeyLimits.UNLIMITED : limits;
        name = name == null ? "" : name;
    }

    public boolean mayUse(String alias) {
        return allowedModels.isEmpty() || allowedModels.contains(alias);
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
