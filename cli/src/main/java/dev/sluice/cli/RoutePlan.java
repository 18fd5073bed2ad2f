package dev.sluice.cli;

import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.route.Deployment;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@code routes apply} will do to the routes table: computed from the routing file and the table alone, before
 * anything is written, so a dry run and a real run print the same plan.
 *
 * @param changes one per alias in the file, in file order, then one per pruned alias
 * @param kept    aliases in the table but not in the file, left alone because {@code --prune} was not given
 */
record RoutePlan(List<Change> changes, List<String> kept) {

    enum Kind {
        ADDED("+"),
        CHANGED("~"),
        UNCHANGED("="),
        REMOVED("-");

        final String mark;

        Kind(String mark) {
            this.mark = mark;
        }
    }

    /**
     * @param route   the route to write; for {@link Kind#REMOVED}, the one in the table
     * @param details field-level differences for {@link Kind#CHANGED}, such as {@code strategy: priority → weighted}
     */
    record Change(Kind kind, Route route, List<String> details) {}

    /**
     * The plan that makes the table match {@code wanted}.
     *
     * @throws UsageError when a rule target or context fallback names an alias that will not exist afterwards
     */
    static RoutePlan of(List<Route> wanted, List<Route> current, boolean prune) {
        Map<String, Route> inTable = current.stream().collect(Collectors.toMap(Route::alias, Function.identity()));
        Set<String> inFile = wanted.stream().map(Route::alias).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> remaining = new TreeSet<>(inFile);
        if (!prune) {
            remaining.addAll(inTable.keySet());
        }
        for (int i = 0; i < wanted.size(); i++) {
            requireTargets(wanted.get(i), "routes[" + i + "]", remaining, prune);
        }
        List<Change> changes = new ArrayList<>();
        for (Route route : wanted) {
            Route before = inTable.get(route.alias());
            if (before == null) {
                changes.add(new Change(Kind.ADDED, route, List.of()));
            } else {
                List<String> details = differences(before, route);
                changes.add(new Change(details.isEmpty() ? Kind.UNCHANGED : Kind.CHANGED, route, details));
            }
        }
        List<String> notInFile = inTable.keySet().stream()
                .filter(alias -> !inFile.contains(alias))
                .sorted()
                .toList();
        if (!prune) {
            return new RoutePlan(changes, notInFile);
        }
        notInFile.forEach(alias -> changes.add(new Change(Kind.REMOVED, inTable.get(alias), List.of())));
        return new RoutePlan(changes, List.of());
    }

    long count(Kind kind) {
        return changes.stream().filter(c -> c.kind() == kind).count();
    }

    /**
     * The routes to put, ordered so that a route's rule targets and context fallback are written before it where the
     * file allows: between two writes the gateway may already read the table, and a rule naming an alias not yet
     * written would fail the requests it matches.
     */
    List<Route> writes() {
        List<Route> writes = changes.stream()
                .filter(c -> c.kind() == Kind.ADDED || c.kind() == Kind.CHANGED)
                .map(Change::route)
                .toList();
        return writes.stream()
                .sorted(Comparator.comparingInt(route -> referencesAny(route, writes) ? 1 : 0))
                .toList();
    }

    List<String> removals() {
        return changes.stream()
                .filter(c -> c.kind() == Kind.REMOVED)
                .map(c -> c.route().alias())
                .toList();
    }

    private static boolean referencesAny(Route route, List<Route> routes) {
        Set<String> aliases = routes.stream().map(Route::alias).collect(Collectors.toSet());
        return route.rules().stream().anyMatch(rule -> aliases.contains(rule.target()))
                || aliases.contains(route.contextFallback());
    }

    private static void requireTargets(Route route, String where, Set<String> remaining, boolean prune) {
        String scope = prune ? "in the file (--prune removes every other alias)" : "in the file or the table";
        for (int i = 0; i < route.rules().size(); i++) {
            String target = route.rules().get(i).target();
            if (!remaining.contains(target)) {
                throw new UsageError(where + ".rules[" + i + "]: target '" + target + "' is no alias " + scope);
            }
        }
        if (route.contextFallback() != null && !remaining.contains(route.contextFallback())) {
            throw new UsageError(where + ".contextFallback: '" + route.contextFallback() + "' is no alias " + scope);
        }
    }

    /** What changed from {@code before} to {@code after}, one line per field, in file terms. */
    static List<String> differences(Route before, Route after) {
        List<String> lines = new ArrayList<>();
        change(lines, "strategy", before.strategy().wireName(), after.strategy().wireName());
        retries(lines, before.retries(), after.retries());
        deployments(lines, before.deployments(), after.deployments());
        rules(lines, before.rules(), after.rules());
        change(lines, "contextFallback", before.contextFallback(), after.contextFallback());
        change(
                lines,
                "cache.mode",
                before.cache().mode().wireName(),
                after.cache().mode().wireName());
        change(
                lines,
                "cache.ttlSeconds",
                before.cache().ttl().toSeconds(),
                after.cache().ttl().toSeconds());
        change(lines, "cache.semantic", before.cache().semantic(), after.cache().semantic());
        change(
                lines,
                "guard.pii",
                before.guard().pii().wireName(),
                after.guard().pii().wireName());
        change(lines, "guard.deny", before.guard().deny(), after.guard().deny());
        change(
                lines,
                "guard.bedrockGuardrail",
                describe(before.guard().bedrockGuardrail()),
                describe(after.guard().bedrockGuardrail()));
        return lines;
    }

    private static void retries(List<String> lines, RetryPolicy before, RetryPolicy after) {
        change(lines, "retries.attemptsPerDeployment", before.attemptsPerDeployment(), after.attemptsPerDeployment());
        change(
                lines,
                "retries.backoffMs",
                before.backoff().toMillis(),
                after.backoff().toMillis());
        change(
                lines,
                "retries.maxBackoffMs",
                before.maxBackoff().toMillis(),
                after.maxBackoff().toMillis());
        change(
                lines,
                "retries.retryAfterCapSeconds",
                before.retryAfterCap().toSeconds(),
                after.retryAfterCap().toSeconds());
        change(
                lines,
                "retries.deadlineSeconds",
                before.deadline().toSeconds(),
                after.deadline().toSeconds());
    }

    /**
     * Deployments are matched by {@link Deployment#healthKey()} (provider, model, endpoint), not by position, so adding
     * one at the front shows as one addition rather than every deployment changing.
     */
    private static void deployments(List<String> lines, List<Deployment> before, List<Deployment> after) {
        List<Deployment> unmatched = new ArrayList<>(before);
        List<String> keptOrderBefore = new ArrayList<>();
        List<String> keptOrderAfter = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            Deployment d = after.get(i);
            Deployment old = unmatched.stream()
                    .filter(candidate -> candidate.healthKey().equals(d.healthKey()))
                    .findFirst()
                    .orElse(null);
            String where = "deployments[" + i + "]";
            if (old == null) {
                lines.add(where + " added: " + describe(d));
                continue;
            }
            unmatched.remove(old);
            keptOrderAfter.add(d.healthKey());
            deployment(lines, where, old, d);
        }
        unmatched.forEach(d -> lines.add("deployments removed: " + describe(d)));
        before.stream()
                .map(Deployment::healthKey)
                .filter(keptOrderAfter::contains)
                .forEach(keptOrderBefore::add);
        if (!keptOrderBefore.equals(keptOrderAfter)) {
            lines.add("deployments order: " + String.join(", ", keptOrderBefore) + " → "
                    + String.join(", ", keptOrderAfter));
        }
    }

    private static void deployment(List<String> lines, String where, Deployment before, Deployment after) {
        change(lines, where + ".secretRef", before.secretRef(), after.secretRef());
        change(lines, where + ".weight", before.weight(), after.weight());
        change(lines, where + ".priority", before.priority(), after.priority());
        change(
                lines,
                where + ".timeouts.firstByteSeconds",
                before.timeout().toSeconds(),
                after.timeout().toSeconds());
        change(
                lines,
                where + ".timeouts.idleSeconds",
                before.idleTimeout().toSeconds(),
                after.idleTimeout().toSeconds());
        change(
                lines,
                where + ".pricing.inputUsdPer1M",
                Money.display(before.pricing().inputPerMillion()),
                Money.display(after.pricing().inputPerMillion()));
        change(
                lines,
                where + ".pricing.outputUsdPer1M",
                Money.display(before.pricing().outputPerMillion()),
                Money.display(after.pricing().outputPerMillion()));
        change(
                lines,
                where + ".pricing.cachedInputUsdPer1M",
                Money.display(before.pricing().cachedInputPerMillion()),
                Money.display(after.pricing().cachedInputPerMillion()));
        Set<String> options = new TreeSet<>(before.options().keySet());
        options.addAll(after.options().keySet());
        options.forEach(name -> change(
                lines,
                where + ".options." + name,
                before.options().get(name),
                after.options().get(name)));
    }

    private static void rules(List<String> lines, List<RouteRule> before, List<RouteRule> after) {
        for (int i = 0; i < Math.max(before.size(), after.size()); i++) {
            RouteRule old = i < before.size() ? before.get(i) : null;
            RouteRule now = i < after.size() ? after.get(i) : null;
            if (!Objects.equals(old, now)) {
                lines.add("rules[" + i + "]: " + describe(old) + " → " + describe(now));
            }
        }
    }

    private static void change(List<String> lines, String field, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            lines.add(field + ": " + (before == null ? "-" : before) + " → " + (after == null ? "-" : after));
        }
    }

    private static String describe(Deployment d) {
        return d.label() + (d.baseUrl() == null ? "" : " at " + d.baseUrl()) + " (weight " + d.weight() + ", priority "
                + d.priority() + ")";
    }

    private static String describe(BedrockGuardrail guardrail) {
        return guardrail == null ? null : guardrail.describe();
    }

    private static String describe(RouteRule rule) {
        return rule == null ? "-" : rule.target() + " when " + rule.describe();
    }
}
