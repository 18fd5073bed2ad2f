package dev.sluice.route;

import java.util.List;
import java.util.Objects;

/**
 * A model alias clients ask for and the deployments that can serve it, in order of preference.
 * The first deployment serves; later ones are there for failover (a later stage of the roadmap).
 */
public record Route(String alias, List<Deployment> deployments) {
    public Route {
        Objects.requireNonNull(alias, "alias");
        deployments = List.copyOf(deployments);
        if (deployments.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one deployment: " + alias);
        }
    }

    public Deployment primary() {
        return deployments.getFirst();
    }
}
