package dev.sluice.auth;

import dev.sluice.guard.GuardPolicy;
import dev.sluice.quota.Limits;
import java.util.Objects;
import java.util.Set;

/**
 * A team or customer: the unit that owns keys, is limited and billed. A key's own limits and models can only
 * narrow its tenant's; a request must pass both.
 *
 * @param allowedModels model aliases the tenant's keys may use; empty means every alias
 * @param allowedIps    where the tenant's requests may come from; empty means anywhere
 * @param guard         what the guard stage does with every request of the tenant's keys, on top of the route's
 *                      own guard (the stricter of the two applies)
 */
public record Tenant(
        String tenantId,
        String name,
        Status status,
        Set<String> allowedModels,
        Limits limits,
        IpAllowlist allowedIps,
        GuardPolicy guard) {

    public enum Status {
        ACTIVE,
        SUSPENDED
    }

    public Tenant {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
        name = name == null ? tenantId : name;
        allowedModels = allowedModels == null ? Set.of() : Set.copyOf(allowedModels);
        limits = limits == null ? Limits.NONE : limits;
        allowedIps = allowedIps == null ? IpAllowlist.ANY : allowedIps;
        guard = guard == null ? GuardPolicy.OFF : guard;
    }

    /** A tenant without a guard of its own. */
    public Tenant(
            String tenantId,
            String name,
            Status status,
            Set<String> allowedModels,
            Limits limits,
            IpAllowlist allowedIps) {
        this(tenantId, name, status, allowedModels, limits, allowedIps, GuardPolicy.OFF);
    }

    /** A tenant whose requests may come from anywhere. */
    public Tenant(String tenantId, String name, Status status, Set<String> allowedModels, Limits limits) {
        this(tenantId, name, status, allowedModels, limits, IpAllowlist.ANY);
    }

    /**
     * The tenant of a key whose tenant has no record: active, every model, no limits. Keys created before tenants
     * existed keep working; creating the tenant is what puts limits on them.
     */
    public static Tenant unrestricted(String tenantId) {
        return new Tenant(tenantId, tenantId, Status.ACTIVE, Set.of(), Limits.NONE);
    }

    public boolean mayUse(String alias) {
        return allowedModels.isEmpty() || allowedModels.contains(alias);
    }

    public Tenant withStatus(Status newStatus) {
        return new Tenant(tenantId, name, newStatus, allowedModels, limits, allowedIps, guard);
    }
}
