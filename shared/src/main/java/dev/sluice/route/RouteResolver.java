package dev.sluice.route;

import dev.sluice.auth.Caller;
import dev.sluice.error.GatewayException;
import java.util.List;

/**
 * Stage 2: the model alias a client asked for to its {@link Route}. An alias the caller (tenant, key or session token) may not use is reported
 * exactly like one that does not exist, so keys cannot probe for other tenants' aliases.
 */
public final class RouteResolver {
    private final RouteRepository routes;

    public RouteResolver(RouteRepository routes) {
        this.routes = routes;
    }

    public Route resolve(String alias, Caller caller) {
        if (!caller.mayUse(alias)) {
            throw GatewayException.modelNotFound(alias);
        }
        return routes.find(alias).orElseThrow(() -> GatewayException.modelNotFound(alias));
    }

    /**
     * A route the gateway itself uses on a caller's behalf (the embeddings alias of a semantic cache policy, which an
     * operator named), whether or not the caller may ask for it directly; empty when it does not exist.
     */
    public java.util.Optional<Route> forGateway(String alias) {
        return routes.find(alias);
    }

    /** Routes the key may use, for {@code GET /v1/models}. */
    public List<Route> visibleTo(Caller caller) {
        return routes.findAll().stream()
                .filter(route -> caller.mayUse(route.alias()))
                .toList();
    }
}
