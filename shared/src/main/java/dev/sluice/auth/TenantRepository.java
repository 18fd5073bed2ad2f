package dev.sluice.auth;

import java.util.List;
import java.util.Optional;

/** Where tenants live. */
public interface TenantRepository {
    Optional<Tenant> find(String tenantId);

    void put(Tenant tenant);

    List<Tenant> findAll();
}
