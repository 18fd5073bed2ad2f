package dev.sluice.route;

import dev.sluice.auth.ApiKey;
import dev.sluice.error.GatewayException;
import java.util.List;

/**
 * Stage 2: the model alias a client asked for to its {@link Route}. An alias the key may not use is reported
 * exactly like one that does not exist, so keys cannot probe for other tenants' aliases.
 */
public final class RouteResolver {
    private final RouteRepository routes;

    public RouteResolver(RouteRepository routes) {
        this.routes = routes;
    }

    public Route resolve(String alias, ApiKey key) {
        if (!key.mayUse(alias)) {
            throw GatewayException.modelNotFound(alias);
        }
        return routes.find(alias).orElseThrow(() -> GatewayException.modelNotFound(alias));
    }

    /** Routes the key may use, for {@code GET /v1/models}. */
    public List<Route> visibleTo(ApiKey key) {
        return routes.findAll().stream()
                .filter(route -> key.mayUse(route.alias()))
                .toList();
    }
}
