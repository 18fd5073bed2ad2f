package dev.sluice.route;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Routes in memory: the fake for unit tests. */
public final class InMemoryRouteRepository implements RouteRepository {
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    @Override
    public Optional<Route> find(String alias) {
        return Optional.ofNullable(routes.get(alias));
    }

    @Override
    public List<Route> findAll() {
        return routes.values().stream()
                .sorted(Comparator.comparing(Route::alias))
                .toList();
    }

    @Override
    public void put(Route route) {
        routes.put(route.alias(), route);
    }

    @Override
    public void delete(String alias) {
        routes.remove(alias);
    }
}
