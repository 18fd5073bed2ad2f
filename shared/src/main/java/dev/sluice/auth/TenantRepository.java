package dev.sluice.auth;

import java.util.List;
import java.util.Optional;

/** Where tenants live. */
public interface TenantRepository {
    Optional<Tenant> find(String tenantId);

    void put(Tenant tenant);

    /** Writes a new tenant unless one with its id exists, atomically; false when it exists. */
    boolean create(Tenant tenant);

    List<Tenant> findAll();
}
