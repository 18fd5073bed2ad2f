package dev.sluice.auth;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Tenants in memory: the fake for unit tests. */
public final class InMemoryTenantRepository implements TenantRepository {
    private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();

    @Override
    public Optional<Tenant> find(String tenantId) {
        return Optional.ofNullable(tenants.get(tenantId));
    }

    @Override
    public void put(Tenant tenant) {
        tenants.put(tenant.tenantId(), tenant);
    }

    @Override
    public boolean create(Tenant tenant) {
        return tenants.putIfAbsent(tenant.tenantId(), tenant) == null;
    }

    @Override
    public List<Tenant> findAll() {
        return tenants.values().stream()
                .sorted(Comparator.comparing(Tenant::tenantId))
                .toList();
    }
}
