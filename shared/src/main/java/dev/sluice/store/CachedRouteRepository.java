package dev.sluice.store;

import dev.sluice.cache.TtlCache;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Remembers routes for a short TTL; route changes reach every instance within it. Unknown aliases are remembered
 * apart and briefly ({@link #MISS_TTL}), so typos and probes cost one read per distinct alias and evict nothing.
 */
public final class CachedRouteRepository implements RouteRepository {
    public static final Duration MISS_TTL = Duration.ofSeconds(1);
    public static final int MAX_ROUTES = 2_000;
    public static final int MAX_UNKNOWN_ALIASES = 500;
    private static final String ALL = "\u0000all";

    private final RouteRepository delegate;
    private final TtlCache<String, Route> routes;
    private final TtlCache<String, List<Route>> lists;

    public CachedRouteRepository(RouteRepository delegate, Duration ttl, Clock clock) {
        this(delegate, TtlCache.Limits.of(ttl, MAX_ROUTES, MISS_TTL, MAX_UNKNOWN_ALIASES), clock);
    }

    public CachedRouteRepository(RouteRepository delegate, TtlCache.Limits limits, Clock clock) {
        this.delegate = delegate;
        this.routes = TtlCache.create(limits, clock);
        this.lists = TtlCache.create(new TtlCache.Limits(limits.ttl(), 1, Duration.ZERO, 1), clock);
    }

    @Override
    public Optional<Route> find(String alias) {
        return routes.get(alias, delegate::find);
    }

    @Override
    public List<Route> findAll() {
        return lists.get(ALL, key -> Optional.of(delegate.findAll())).orElseThrow();
    }

    @Override
    public void put(Route route) {
        delegate.put(route);
        routes.invalidate(route.alias());
        lists.clear();
    }

    @Override
    public void delete(String alias) {
        delegate.delete(alias);
        routes.invalidate(alias);
        lists.clear();
    }
}
