package dev.sluice.audit;

import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import java.util.List;
import java.util.Optional;

/**
 * Routes whose every write is recorded first ({@link Auditor}): {@code route.put} with the route as it was (null when
 * new) and as it will be, {@code route.delete} with the route removed. Deleting an alias that does not exist changes
 * nothing and is not recorded. Reads pass through.
 */
public final class AuditedRouteRepository implements RouteRepository {
    private final RouteRepository routes;
    private final Auditor auditor;

    public AuditedRouteRepository(RouteRepository routes, Auditor auditor) {
        this.routes = routes;
        this.auditor = auditor;
    }

    @Override
    public void put(Route route) {
        Route before = routes.find(route.alias()).orElse(null);
        auditor.change(
                AuditAction.ROUTE_PUT,
                route.alias(),
                AuditSnapshots.of(before),
                AuditSnapshots.of(route),
                () -> routes.put(route));
    }

    @Override
    public void delete(String alias) {
        Optional<Route> before = routes.find(alias);
        if (before.isEmpty()) {
            return;
        }
        auditor.change(
                AuditAction.ROUTE_DELETE, alias, AuditSnapshots.of(before.get()), null, () -> routes.delete(alias));
    }

    @Override
    public Optional<Route> find(String alias) {
        return routes.find(alias);
    }

    @Override
    public List<Route> findAll() {
        return routes.findAll();
    }
}
