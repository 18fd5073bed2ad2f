package dev.sluice.audit;

import dev.sluice.auth.Tenant;
import dev.sluice.auth.TenantRepository;
import java.util.List;
import java.util.Optional;

/**
 * Tenants whose every write is recorded first ({@link Auditor}), with the tenant as it was and as it will be; reads
 * pass through. The action says what changed: {@code tenant.create}, {@code tenant.suspend}, {@code tenant.resume},
 * {@code tenant.limits} (the limits and nothing else), otherwise {@code tenant.update}.
 */
public final class AuditedTenantRepository implements TenantRepository {
    private final TenantRepository tenants;
    private final Auditor auditor;

    public AuditedTenantRepository(TenantRepository tenants, Auditor auditor) {
        this.tenants = tenants;
        this.auditor = auditor;
    }

    @Override
    public void put(Tenant tenant) {
        Tenant before = tenants.find(tenant.tenantId()).orElse(null);
        auditor.change(
                action(before, tenant),
                tenant.tenantId(),
                AuditSnapshots.of(before),
                AuditSnapshots.of(tenant),
                () -> tenants.put(tenant));
    }

    /**
     * An existing tenant is not created, and so not recorded. Between the read and the conditional write another
     * writer may create it: then the entry stands for an attempt that changed nothing, which the caller is told.
     */
    @Override
    public boolean create(Tenant tenant) {
        if (tenants.find(tenant.tenantId()).isPresent()) {
            return false;
        }
        auditor.record(AuditAction.TENANT_CREATE, tenant.tenantId(), null, AuditSnapshots.of(tenant));
        return tenants.create(tenant);
    }

    static AuditAction action(Tenant before, Tenant after) {
        if (before == null) {
            return AuditAction.TENANT_CREATE;
        }
        if (before.status() != after.status()
                && before.withStatus(after.status()).equals(after)) {
            return after.status() == Tenant.Status.SUSPENDED ? AuditAction.TENANT_SUSPEND : AuditAction.TENANT_RESUME;
        }
        Tenant withNewLimits = new Tenant(
                before.tenantId(),
                before.name(),
                before.status(),
                before.allowedModels(),
                after.limits(),
                before.allowedIps());
        return withNewLimits.equals(after) && !before.equals(after)
                ? AuditAction.TENANT_LIMITS
                : AuditAction.TENANT_UPDATE;
    }

    @Override
    public Optional<Tenant> find(String tenantId) {
        return tenants.find(tenantId);
    }

    @Override
    public List<Tenant> findAll() {
        return tenants.findAll();
    }
}
