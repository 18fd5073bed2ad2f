package dev.sluice.store;

import dev.sluice.cache.TtlCache;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Remembers routes for a short TTL; route changes reach every instance within it. */
public final class CachedRouteRepository implements RouteRepository {
    private static final String ALL = "\u0000all";

    private final RouteRepository delegate;
    private final TtlCache<String, Route> routes;
    private final TtlCache<String, List<Route>> lists;

    public CachedRouteRepository(RouteRepository delegate, Duration ttl, Clock clock) {
        this.delegate = delegate;
        this.routes = new TtlCache<>(ttl, clock, 10_000);
        this.lists = new TtlCache<>(ttl, clock, 1);
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
}
