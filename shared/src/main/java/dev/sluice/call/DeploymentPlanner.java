package dev.sluice.call;

import dev.sluice.health.DeploymentHealth;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RequestTraits;
import dev.sluice.route.Route;
import dev.sluice.route.RoutingStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Orders a route's deployments for one request, by the route's {@link RoutingStrategy}. Every strategy works group by
 * group ({@link Deployment#priority()}, lower first), leaves out deployments whose breaker is open, and orders the rest
 * of a group as follows; failover then tries them in that order.
 *
 * <ul>
 *   <li>{@code priority}: as listed.
 *   <li>{@code weighted}: weighted random without replacement (each deployment drawn first with probability weight /
 *       total). Random rather than smooth round-robin because a Lambda instance serves one request at a time and
 *       instances come and go: a round-robin cursor per instance would send every cold instance's first request to
 *       the same deployment, while independent draws hold the shares across any number of instances.
 *   <li>{@code latency}: expected time to first byte, the moving average inflated by the moving error rate (a
 *       deployment failing half its attempts costs a retry half the time). The first is chosen by power of two choices
 *       (the better of two drawn at random) so instances with the same averages do not herd onto one deployment;
 *       {@link #EXPLORATION_SHARE} of requests put one of the others first, and an average left without a sample for
 *       {@link #STALE_AFTER_MILLIS} beside a fresh one is re-measured, so a slow or recovered deployment keeps being
 *       measured (a moving average only moves when sampled); a deployment never measured counts as fastest until it
 *       has been.
 *   <li>{@code cost}: cheapest for the request's estimated prompt tokens and its {@code max_tokens} (or
 *       {@link #ASSUMED_OUTPUT_TOKENS}) at each deployment's prices; ties keep the listed order.
 * </ul>
 *
 * <p>Cost per request: one pass over the route's deployments (a handful) and one small list; {@code cost} also
 * estimates the prompt's tokens (a tokenizer pass, once per request, shared with routing rules).
 */
public final class DeploymentPlanner {
    /** The share of {@code latency} requests that try another deployment first, to keep measuring all of them. */
    public static final double EXPLORATION_SHARE = 0.02;
    /**
     * An average without a sample for this long, while another deployment's is fresh, is re-measured: the next request
     * tries it first. An average only moves when sampled, so without this a deployment that recovered would wait for
     * exploration to notice; at most one request a second per deployment and instance goes to it this way.
     */
    public static final long STALE_AFTER_MILLIS = 1_000;
    /** The output the {@code cost} strategy assumes when a request sets no {@code max_tokens}. */
    public static final long ASSUMED_OUTPUT_TOKENS = 500;

    private final DeploymentHealth health;
    private final RandomGenerator random;
    private final LongSupplier epochMillis;

    public DeploymentPlanner(DeploymentHealth health, RandomGenerator random, LongSupplier epochMillis) {
        this.health = health;
        this.random = random;
        this.epochMillis = epochMillis;
    }

    /** A planner on the system clock. */
    public DeploymentPlanner(DeploymentHealth health, RandomGenerator random) {
        this(health, random, System::currentTimeMillis);
    }

    /**
     * The deployments to try, in order, and why the first was chosen.
     *
     * @param order       what failover tries; empty when every deployment's breaker is open
     * @param reason      for the {@code x-sluice-route-reason} header and the log: the strategy, the choice, and what
     *                    was skipped
     * @param skippedOpen deployments left out because their breaker is open
     */
    public record Plan(List<Deployment> order, String reason, List<Deployment> skippedOpen) {}

    /** @param maxOutputTokens the request's {@code max_tokens}, or -1 when it set none */
    public Plan plan(Route route, RequestTraits request, long maxOutputTokens) {
        List<Deployment> deployments = route.deployments();
        if (deployments.size() == 1 && route.strategy() == RoutingStrategy.PRIORITY) {
            Deployment only = deployments.getFirst();
            return health.available(only)
                    ? new Plan(deployments, "priority: only deployment", List.of())
                    : new Plan(List.of(), "priority: breaker open", deployments);
        }
        List<Deployment> open = new ArrayList<>(0);
        List<Deployment> byPriority = new ArrayList<>(deployments.size());
        for (Deployment deployment : deployments) {
            if (health.available(deployment)) {
                byPriority.add(deployment);
            } else {
                open.add(deployment);
            }
        }
        byPriority.sort(Comparator.comparingInt(Deployment::priority)); // stable: listed order within a group
        List<Deployment> order = new ArrayList<>(byPriority.size());
        String why = null;
        int start = 0;
        while (start < byPriority.size()) {
            int end = start;
            int priority = byPriority.get(start).priority();
            while (end < byPriority.size() && byPriority.get(end).priority() == priority) {
                end++;
            }
            List<Deployment> group = new ArrayList<>(byPriority.subList(start, end));
            String groupWhy = order(route.strategy(), group, request, maxOutputTokens, route);
            if (why == null) {
                why = groupWhy;
            }
            order.addAll(group);
            start = end;
        }
        String reason = route.strategy().wireName() + ": "
                + (order.isEmpty() ? "no deployment available" : why)
                + (open.isEmpty() ? "" : "; skipped open " + labels(open));
        return new Plan(order, reason, open);
    }

    /** Orders one priority group in place; says why its first was chosen. */
    private String order(
            RoutingStrategy strategy, List<Deployment> group, RequestTraits request, long maxOutput, Route route) {
        Deployment first = group.getFirst();
        return switch (strategy) {
            case PRIORITY -> first.label() + " (first available)";
            case WEIGHTED -> weighted(group);
            case LATENCY -> latency(group);
            case COST -> cheapest(group, request, maxOutput);
        };
    }

    private String weighted(List<Deployment> group) {
        long total = 0;
        for (Deployment d : group) {
            total += d.weight();
        }
        if (group.size() > 1 && total > 0) {
            // Efraimidis–Spirakis: sorting by u^(1/w) draws without replacement in proportion to weight.
            double[] keys = new double[group.size()];
            Integer[] index = new Integer[group.size()];
            for (int i = 0; i < keys.length; i++) {
                int weight = group.get(i).weight();
                keys[i] = weight == 0 ? -1 : Math.pow(random.nextDouble(), 1.0 / weight);
                index[i] = i;
            }
            java.util.Arrays.sort(index, (a, b) -> Double.compare(keys[b], keys[a]));
            List<Deployment> drawn = new ArrayList<>(group.size());
            for (Integer i : index) {
                drawn.add(group.get(i));
            }
            group.clear();
            group.addAll(drawn);
        }
        return group.getFirst().label() + " (weight " + group.getFirst().weight() + " of " + total + ")";
    }

    private String latency(List<Deployment> group) {
        int n = group.size();
        double[] expected = new double[n];
        long[] timedAt = new long[n];
        long freshest = 0;
        for (int i = 0; i < n; i++) {
            DeploymentHealth.Snapshot snapshot = health.snapshot(group.get(i));
            expected[i] = expectedMillis(snapshot);
            timedAt[i] = snapshot.timedAtMillis();
            freshest = Math.max(freshest, timedAt[i]);
        }
        long now = epochMillis.getAsLong();
        boolean anyFresh = now - freshest <= STALE_AFTER_MILLIS;
        boolean remeasuring = false;
        for (int i = 0; i < n && anyFresh; i++) {
            if (expected[i] >= 0 && now - timedAt[i] > STALE_AFTER_MILLIS) {
                expected[i] = -1; // stale beside a fresh one: tried first, as if never measured, to re-measure it
                remeasuring = true;
            }
        }
        Integer[] index = new Integer[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        java.util.Arrays.sort(index, (a, b) -> Double.compare(expected[a], expected[b]));
        int firstIndex = index[0];
        String how = remeasuring && expected[firstIndex] < 0 ? "re-measuring" : "fastest";
        if (n > 1 && expected[firstIndex] >= 0) {
            if (random.nextDouble() < EXPLORATION_SHARE) {
                firstIndex = index[1 + random.nextInt(n - 1)]; // any but the best: that one is measured anyway
                how = "exploring";
            } else if (n > 2) {
                int a = random.nextInt(n);
                int b = random.nextInt(n - 1);
                b = b >= a ? b + 1 : b;
                firstIndex = expected[a] <= expected[b] ? a : b;
                how = "better of two";
            }
        }
        List<Deployment> ordered = new ArrayList<>(n);
        ordered.add(group.get(firstIndex));
        for (Integer i : index) {
            if (i != firstIndex) {
                ordered.add(group.get(i));
            }
        }
        group.clear();
        group.addAll(ordered);
        double chosen = expected[firstIndex];
        return ordered.getFirst().label() + " (" + how + ", "
                + (chosen < 0 ? "not yet measured" : "expected " + Math.round(chosen) + " ms")
                + ")";
    }

    /** The moving average inflated by the error rate; -1 (best) before the first measurement. */
    private static double expectedMillis(DeploymentHealth.Snapshot snapshot) {
        if (snapshot.ewmaTtftMillis() < 0) {
            return -1;
        }
        double errorRate = Math.min(snapshot.errorRate(), 0.9);
        return snapshot.ewmaTtftMillis() / (1 - errorRate);
    }

    private static String cheapest(List<Deployment> group, RequestTraits request, long maxOutput) {
        long promptTokens = request.promptTokens();
        long outputTokens = maxOutput > 0 ? maxOutput : ASSUMED_OUTPUT_TOKENS;
        group.sort(Comparator.comparingDouble(d -> estimatedMicros(d.pricing(), promptTokens, outputTokens)));
        double micros = estimatedMicros(group.getFirst().pricing(), promptTokens, outputTokens);
        return group.getFirst().label() + " (est. $" + String.format("%.6f", micros / 1_000_000) + " for "
                + promptTokens + "+" + outputTokens + " tokens)";
    }

    private static double estimatedMicros(Pricing pricing, long promptTokens, long outputTokens) {
        return ((double) promptTokens * pricing.inputPerMillion() + (double) outputTokens * pricing.outputPerMillion())
                / 1_000_000;
    }

    private static String labels(List<Deployment> deployments) {
        return String.join(", ", deployments.stream().map(Deployment::label).toList());
    }
}
