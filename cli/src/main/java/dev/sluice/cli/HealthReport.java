package dev.sluice.cli;

import dev.sluice.health.BreakerState;
import dev.sluice.health.SharedHealth;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code routes health}: one row per deployment of every route, with what the gateway's instances last published about
 * it. Two routes naming the same deployment show the same record, since breakers are shared by health key.
 */
final class HealthReport {

    /**
     * @param state        closed, open, half_open, or unknown when no instance published a record (or it expired)
     * @param ttftMillis   the moving average of time to first token, "-" before any success
     * @param errorPercent failures among recent attempts
     * @param lastFailure  the last failure's code and how long ago, "-" for none
     * @param retry        for an open breaker, how long until it may be probed
     */
    record Row(
            String alias,
            String deployment,
            String state,
            String ttftMillis,
            String errorPercent,
            String lastFailure,
            String retry) {}

    private HealthReport() {}

    static List<Row> rows(List<Route> routes, List<SharedHealth> records, Instant now) {
        Map<String, SharedHealth> byKey =
                records.stream().collect(Collectors.toMap(SharedHealth::key, Function.identity(), (a, b) -> b));
        List<Row> rows = new ArrayList<>();
        for (Route route : routes) {
            for (Deployment d : route.deployments()) {
                rows.add(row(route.alias(), d, byKey.get(d.healthKey()), now));
            }
        }
        return rows;
    }

    /** A table whose columns are as wide as their widest cell, so long deployment names keep it aligned. */
    static void print(List<Row> rows, PrintStream out) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"ALIAS", "DEPLOYMENT", "STATE", "TTFT MS", "ERRORS", "LAST FAILURE", "RETRY"});
        rows.forEach(r -> lines.add(new String[] {
            r.alias(), r.deployment(), r.state(), r.ttftMillis(), r.errorPercent(), r.lastFailure(), r.retry()
        }));
        int[] widths = new int[7];
        for (String[] cells : lines) {
            for (int i = 0; i < cells.length; i++) {
                widths[i] = Math.max(widths[i], cells[i].length());
            }
        }
        // Numbers right-aligned, text left-aligned.
        boolean[] numeric = {false, false, false, true, true, false, false};
        for (String[] cells : lines) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                String padding = " ".repeat(widths[i] - cells[i].length());
                line.append(numeric[i] ? padding + cells[i] : cells[i] + padding)
                        .append("  ");
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static Row row(String alias, Deployment d, SharedHealth health, Instant now) {
        String deployment = d.label() + (d.baseUrl() == null ? "" : " " + d.baseUrl());
        if (health == null) {
            return new Row(alias, deployment, "unknown", "-", "-", "-", "");
        }
        long nowMillis = now.toEpochMilli();
        // A breaker whose cool-down ended is probed by the next request: the record still says open, the breaker
        // each instance builds from it is half open.
        boolean coolingDown = health.state() == BreakerState.OPEN && health.retryAtMillis() > nowMillis;
        BreakerState state =
                health.state() == BreakerState.OPEN && !coolingDown ? BreakerState.HALF_OPEN : health.state();
        String lastFailure = health.lastFailure() == null
                ? "-"
                : health.lastFailure() + " " + ago(Duration.ofMillis(nowMillis - health.lastFailureAtMillis()));
        return new Row(
                alias,
                deployment,
                state.wireName(),
                health.ewmaTtftMillis() < 0 ? "-" : String.valueOf(Math.round(health.ewmaTtftMillis())),
                String.format(Locale.ROOT, "%.1f%%", health.errorRate() * 100),
                lastFailure,
                coolingDown ? "retry in " + ceilSeconds(health.retryAtMillis() - nowMillis) + "s" : "");
    }

    private static long ceilSeconds(long millis) {
        return (millis + 999) / 1000;
    }

    /** "42s ago", "5m ago", "3h ago", "2d ago": coarse on purpose, a table cell rather than a timestamp. */
    private static String ago(Duration elapsed) {
        long seconds = Math.max(0, elapsed.toSeconds());
        if (seconds < 60) {
            return seconds + "s ago";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m ago";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h ago";
        }
        return seconds / 86_400 + "d ago";
    }
}
