package dev.sluice.route;

import java.util.Locale;

/**
 * How a route orders its deployments for one request. Every strategy works inside priority groups (lower first),
 * skips deployments whose circuit breaker is open and falls back through the rest; they differ in the order within a
 * group.
 */
public enum RoutingStrategy {
    /** The order the route lists them in (the behaviour of routes written before strategies). */
    PRIORITY,
    /** Weighted random by {@link Deployment#weight()}: stateless, so it holds across any number of instances. */
    WEIGHTED,
    /** Lowest expected time to first token, from each deployment's moving averages, by power of two choices. */
    LATENCY,
    /** Cheapest for the request's estimated tokens at the route's prices. */
    COST;

    /** The name in route files and the routes table: {@code priority}, {@code weighted}, {@code latency}, {@code cost}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RoutingStrategy fromWireName(String name) {
        if (name == null || name.isBlank()) {
            return PRIORITY;
        }
        for (RoutingStrategy strategy : values()) {
            if (strategy.wireName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return strategy;
            }
        }
        throw new IllegalArgumentException(
                "unknown strategy '" + name + "' (known: priority, weighted, latency, cost)");
    }
}
