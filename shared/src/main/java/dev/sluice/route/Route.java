package dev.sluice.route;

import dev.sluice.guard.GuardPolicy;
import java.util.List;
import java.util.Objects;

/**
 * A model alias clients ask for and the deployments that can serve it.
 *
 * @param deployments     in the order the route file lists them; {@code strategy} orders them per request
 * @param retries         how failures before the first byte are retried and failed over
 * @param strategy        how the deployments are ordered for each request
 * @param rules           content-based routing: the first rule a request matches sends it to another alias
 * @param contextFallback the alias that retries a request once when a deployment answers
 *                        {@code context_length_exceeded} before the first byte; null for none
 * @param cache           which answers are cached, and for how long
 * @param guard           what the guard stage does with personal data, secrets and denied patterns in prompts
 */
public record Route(
        String alias,
        List<Deployment> deployments,
        RetryPolicy retries,
        RoutingStrategy strategy,
        List<RouteRule> rules,
        String contextFallback,
        CachePolicy cache,
        GuardPolicy guard) {
    public Route {
        cache = cache == null ? CachePolicy.DEFAULT : cache;
        guard = guard == null ? GuardPolicy.OFF : guard;
        Objects.requireNonNull(alias, "alias");
        retries = retries == null ? RetryPolicy.DEFAULT : retries;
        strategy = strategy == null ? RoutingStrategy.PRIORITY : strategy;
        deployments = List.copyOf(deployments);
        rules = rules == null ? List.of() : List.copyOf(rules);
        contextFallback = contextFallback == null || contextFallback.isBlank() ? null : contextFallback;
        if (deployments.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one deployment: " + alias);
        }
        for (RouteRule rule : rules) {
            if (rule.target().equals(alias)) {
                throw new IllegalArgumentException("a rule of '" + alias + "' cannot send requests to itself");
            }
        }
        if (alias.equals(contextFallback)) {
            throw new IllegalArgumentException("'" + alias + "' cannot be its own contextFallback");
        }
    }

    /** A route without a guard. */
    public Route(
            String alias,
            List<Deployment> deployments,
            RetryPolicy retries,
            RoutingStrategy strategy,
            List<RouteRule> rules,
            String contextFallback,
            CachePolicy cache) {
        this(alias, deployments, retries, strategy, rules, contextFallback, cache, GuardPolicy.OFF);
    }

    /** A route with the default cache policy. */
    public Route(
            String alias,
            List<Deployment> deployments,
            RetryPolicy retries,
            RoutingStrategy strategy,
            List<RouteRule> rules,
            String contextFallback) {
        this(alias, deployments, retries, strategy, rules, contextFallback, CachePolicy.DEFAULT);
    }

    /** A route with a retry policy that tries its deployments in the listed order. */
    public Route(String alias, List<Deployment> deployments, RetryPolicy retries) {
        this(alias, deployments, retries, RoutingStrategy.PRIORITY, List.of(), null);
    }

    /** A route that tries each deployment once, in order. */
    public Route(String alias, List<Deployment> deployments) {
        this(alias, deployments, RetryPolicy.DEFAULT);
    }

    /** The deployment listed first: the one admission prices a request at before the strategy chose. */
    public Deployment primary() {
        return deployments.getFirst();
    }

    /** The alias the first matching rule names, or null when no rule matches (or there are none). */
    public RouteRule ruleFor(RequestTraits request) {
        for (RouteRule rule : rules) {
            if (rule.matches(request)) {
                return rule;
            }
        }
        return null;
    }
}
