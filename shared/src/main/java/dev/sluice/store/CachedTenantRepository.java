package dev.sluice.store;

import dev.sluice.auth.Tenant;
import dev.sluice.auth.TenantRepository;
import dev.sluice.cache.TtlCache;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Remembers tenant look-ups for a short TTL, like keys: a suspension or a new limit applies on every instance within
 * the TTL. A tenant without a record is remembered as long (it is the common case of a key created without one), so
 * it costs one read per TTL, not one per request.
 */
public final class CachedTenantRepository implements TenantRepository {
    public static final int MAX_TENANTS = 10_000;

    private final TenantRepository delegate;
    private final TtlCache<String, Tenant> cache;

    public CachedTenantRepository(TenantRepository delegate, Duration ttl, Clock clock) {
        this.delegate = delegate;
        this.cache = TtlCache.create(TtlCache.Limits.of(ttl, MAX_TENANTS, ttl, MAX_TENANTS), clock);
    }

    @Override
    public Optional<Tenant> find(String tenantId) {
        return cache.get(tenantId, delegate::find);
    }

    @Override
    public void put(Tenant tenant) {
        delegate.put(tenant);
        cache.invalidate(tenant.tenantId());
    }

    @Override
    public boolean create(Tenant tenant) {
        boolean created = delegate.create(tenant);
        cache.invalidate(tenant.tenantId());
        return created;
    }

    @Override
    public List<Tenant> findAll() {
        return delegate.findAll();
    }
}
