package dev.sluice.auth;

import dev.sluice.quota.Limits;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A stored API key: everything but the key itself, which Sluice never keeps (only its SHA-256, see {@link ApiKeys}).
 *
 * @param keyId         stable, printable id used in logs, usage events and counters
 * @param role          {@link Role#APP} calls models; {@link Role#ADMIN} also manages its own tenant
 * @param allowedModels model aliases this key may use; empty means every alias its tenant may use
 * @param limits        this key's own limits, checked as well as its tenant's (they can only narrow them)
 * @param expiresAt     null when the key does not expire
 * @param allowedIps    where requests with this key may come from, besides its tenant's allowlist
 */
public record ApiKey(
        String keyId,
        String tenantId,
        String name,
        Role role,
        Status status,
        Set<String> allowedModels,
        Limits limits,
        Instant expiresAt,
        IpAllowlist allowedIps) {

    public enum Status {
        ACTIVE,
        REVOKED
    }

    /** The key levels: an application key, or its tenant's administrator. Session tokens are minted by either. */
    public enum Role {
        APP,
        ADMIN;

        /** The lower-case name used in the API, the CLI and usage events. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Role fromWire(String name) {
            return switch (name == null ? "app" : name) {
                case "app" -> APP;
                case "admin" -> ADMIN;
                default -> throw new IllegalArgumentException("role must be app or admin, not '" + name + "'");
            };
        }
    }

    public ApiKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
        role = role == null ? Role.APP : role;
        allowedModels = allowedModels == null ? Set.of() : Set.copyOf(allowedModels);
        limits = limits == null ? Limits.NONE : limits;
        name = name == null ? "" : name;
        allowedIps = allowedIps == null ? IpAllowlist.ANY : allowedIps;
    }

    /** A key that may be used from anywhere its tenant allows. */
    public ApiKey(
            String keyId,
            String tenantId,
            String name,
            Role role,
            Status status,
            Set<String> allowedModels,
            Limits limits,
            Instant expiresAt) {
        this(keyId, tenantId, name, role, status, allowedModels, limits, expiresAt, IpAllowlist.ANY);
    }

    /** An active application key. */
    public static ApiKey app(String keyId, String tenantId, String name, Set<String> models, Limits limits) {
        return new ApiKey(keyId, tenantId, name, Role.APP, Status.ACTIVE, models, limits, null);
    }

    public boolean mayUse(String alias) {
        return allowedModels.isEmpty() || allowedModels.contains(alias);
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public ApiKey withStatus(Status newStatus) {
        return new ApiKey(keyId, tenantId, name, role, newStatus, allowedModels, limits, expiresAt, allowedIps);
    }
}
