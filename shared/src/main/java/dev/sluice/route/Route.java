package dev.sluice.route;

import java.util.List;
import java.util.Objects;

/**
 * A model alias clients ask for and the deployments that can serve it, in order of preference.
 * The first deployment serves; later ones take over when it fails before answering, as {@code retries} says.
 */
public record Route(String alias, List<Deployment> deployments, RetryPolicy retries) {
    public Route {
        Objects.requireNonNull(alias, "alias");
        retries = retries == null ? RetryPolicy.DEFAULT : retries;
        deployments = List.copyOf(deployments);
        if (deployments.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one deployment: " + alias);
        }
    }

    /** A route that tries each deployment once, in order. */
    public Route(String alias, List<Deployment> deployments) {
        this(alias, deployments, RetryPolicy.DEFAULT);
    }

    public Deployment primary() {
        return deployments.getFirst();
    }
}
