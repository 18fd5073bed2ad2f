package dev.sluice.usage;

import dev.sluice.health.DeploymentHealth;
import dev.sluice.usage.event.UsageEvent;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The gateway's metrics in the Prometheus text format, for {@code GET /metrics} when the router runs as a plain server
 * (the dev stack, a container); on Lambda the same figures go out as EMF ({@link EmfMetricsPublisher}). A decorator of
 * the usage stream like the EMF one: it counts every usage event after handing it on, so the two never disagree on
 * what a request was. The set follows the usual AI-gateway checklist: requests, errors, latency and time to first
 * token (histograms, for p50/p99 with {@code histogram_quantile}), tokens, cost, cache results and savings,
 * redactions, upstream attempts, and the breakers (open, known, healthy share) from {@link DeploymentHealth}.
 *
 * <p>Labels are the tenant, the alias, the provider and the outcome, never a key or a request id. So that a flood of
 * tenants or aliases cannot grow memory without bound, each counter keeps at most {@value #MAX_SERIES} label sets and
 * counts the rest under {@code tenant="_other"}. Cost per request: about ten map lookups and adder increments, no
 * lock, one small key record per labelled counter.
 */
public final class PrometheusMetrics implements UsagePublisher {
    static final int MAX_SERIES = 2_000;
    static final String OTHER = "_other";
    /** Seconds; from a cache hit on loopback to a long reasoning answer. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final UsagePublisher delegate;
    private final Supplier<DeploymentHealth.Census> census;

    private final Counter requests = new Counter(
            "sluice_requests_total",
            "Requests served, by tenant, alias, provider and status.",
            "tenant",
            "alias",
            "provider",
            "status");
    private final Counter errors = new Counter(
            "sluice_request_errors_total",
            "Requests that ended in an error the client saw.",
            "tenant",
            "alias",
            "provider");
    private final Counter tokens = new Counter(
            "sluice_tokens_total",
            "Tokens billed, by kind (prompt, completion, cached_prompt, reasoning).",
            "tenant",
            "alias",
            "kind");
    private final Counter costMicros = new Counter(
            "sluice_cost_micro_usd_total",
            "What the requests cost at the route's prices, in micro-USD.",
            "tenant",
            "alias");
    private final Counter cache = new Counter(
            "sluice_cache_requests_total", "Chat requests by response cache result (hit, semantic-hit, miss, bypass).",
            "alias", "result");
    private final Counter cacheSavedMicros = new Counter(
            "sluice_cache_saved_micro_usd_total",
            "What cache hits saved at the route's prices, in micro-USD.",
            "tenant");
    private final Counter redactions =
            new Counter("sluice_redactions_total", "Personal data and secrets the guard replaced.", "tenant");
    private final Counter attempts = new Counter(
            "sluice_upstream_attempts_total", "Upstream attempts, retries and failovers included.", "alias");
    private final Histogram latency = new Histogram(
            "sluice_request_duration_seconds", "Time from the request's arrival to its last byte.", "alias");
    private final Histogram timeToFirstToken = new Histogram(
            "sluice_time_to_first_token_seconds", "Time from the request's arrival to the first token.", "alias");

    /**
     * @param delegate where the events go (the usage stream); it is called first, and a failure there still counts
     * @param census   the breakers as this instance knows them, read at each scrape
     */
    public PrometheusMetrics(UsagePublisher delegate, Supplier<DeploymentHealth.Census> census) {
        this.delegate = delegate;
        this.census = census;
    }

    @Override
    public void publish(UsageEvent event) {
        try {
            delegate.publish(event);
        } finally {
            record(event);
        }
    }

    void record(UsageEvent event) {
        String tenant = event.tenantId();
        String alias = String.valueOf(event.alias());
        requests.add(1, tenant, alias, String.valueOf(event.provider()), event.status());
        if (event.isError()) {
            errors.add(1, tenant, alias, String.valueOf(event.provider()));
        }
        tokens.add(event.promptTokens(), tenant, alias, "prompt");
        tokens.add(event.completionTokens(), tenant, alias, "completion");
        tokens.add(event.cachedPromptTokens(), tenant, alias, "cached_prompt");
        tokens.add(event.reasoningTokens(), tenant, alias, "reasoning");
        costMicros.add(event.costMicros(), tenant, alias);
        if (event.cacheResult() != null) {
            cache.add(1, alias, event.cacheResult());
        }
        cacheSavedMicros.add(event.cacheSavedMicros(), tenant);
        redactions.add(event.redactions(), tenant);
        attempts.add(event.attempts(), alias);
        latency.observe(event.latencyMs() / 1000.0, alias);
        if (event.timeToFirstTokenMs() >= 0) {
            timeToFirstToken.observe(event.timeToFirstTokenMs() / 1000.0, alias);
        }
    }

    /** Everything, in the Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        for (Counter counter :
                new Counter[] {requests, errors, tokens, costMicros, cache, cacheSavedMicros, redactions, attempts}) {
            counter.write(out);
        }
        latency.write(out);
        timeToFirstToken.write(out);
        DeploymentHealth.Census now = census.get();
        gauge(out, "sluice_deployments_known", "Deployments this instance has planned or heard of.", now.deployments());
        gauge(out, "sluice_breakers_open", "Deployments whose circuit breaker is open or half-open.", now.open());
        gauge(
                out,
                "sluice_deployments_healthy_ratio",
                "Share of known deployments taking traffic (0 to 1).",
                now.healthyPercent() / 100.0);
        return out.toString();
    }

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static void gauge(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(number(value)).append('\n');
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%s", value);
    }

    /** Label values as the format wants them: backslash, double quote and newline escaped. */
    static String escape(String value) {
        if (value.indexOf('\\') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String labels(String[] names, String[] values, String extraName, String extraValue) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(names[i]).append("=\"").append(escape(values[i])).append('"');
        }
        if (extraName != null) {
            out.append(names.length > 0 ? "," : "")
                    .append(extraName)
                    .append("=\"")
                    .append(extraValue)
                    .append('"');
        }
        return out.append('}').toString();
    }

    /** One label set; a record so it can key a map. */
    private record Series(String[] values) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Series series && java.util.Arrays.equals(values, series.values);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(values);
        }

        String sortKey() {
            return String.join("\u0000", values);
        }
    }

    /** A family of label sets, capped at {@link #MAX_SERIES}; the first label of an extra set becomes {@link #OTHER}. */
    private abstract static class Family<V> {
        final String name;
        final String help;
        final String[] labelNames;
        final ConcurrentHashMap<Series, V> series = new ConcurrentHashMap<>();

        Family(String name, String help, String... labelNames) {
            this.name = name;
            this.help = help;
            this.labelNames = labelNames;
        }

        abstract V create();

        V at(String... values) {
            Series key = new Series(values);
            V found = series.get(key);
            if (found != null) {
                return found;
            }
            if (series.size() >= MAX_SERIES) {
                String[] folded = values.clone();
                folded[0] = OTHER;
                key = new Series(folded);
            }
            return series.computeIfAbsent(key, k -> create());
        }

        /** Label sets in a stable order, so two scrapes list series alike. */
        Map<String, Map.Entry<Series, V>> sorted() {
            Map<String, Map.Entry<Series, V>> sorted = new TreeMap<>();
            series.entrySet().forEach(entry -> sorted.put(entry.getKey().sortKey(), entry));
            return sorted;
        }
    }

    private static final class Counter extends Family<LongAdder> {
        Counter(String name, String help, String... labelNames) {
            super(name, help, labelNames);
        }

        @Override
        LongAdder create() {
            return new LongAdder();
        }

        void add(long amount, String... values) {
            if (amount > 0) {
                at(values).add(amount);
            }
        }

        void write(StringBuilder out) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(" counter\n");
            for (Map.Entry<Series, LongAdder> entry : sorted().values()) {
                out.append(name)
                        .append(labels(labelNames, entry.getKey().values(), null, null))
                        .append(' ')
                        .append(entry.getValue().sum())
                        .append('\n');
            }
        }
    }

    /** Cumulative buckets as Prometheus defines them, plus sum and count. */
    private static final class Histogram extends Family<Histogram.Cells> {
        record Cells(LongAdder[] buckets, DoubleAdder sum, LongAdder count) {}

        Histogram(String name, String help, String... labelNames) {
            super(name, help, labelNames);
        }

        @Override
        Cells create() {
            LongAdder[] buckets = new LongAdder[BUCKETS.length];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
            return new Cells(buckets, new DoubleAdder(), new LongAdder());
        }

        void observe(double seconds, String... values) {
            Cells cells = at(values);
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    cells.buckets()[i].increment(); // the first bucket that holds it; cumulated when written
                    break;
                }
            }
            cells.sum().add(seconds);
            cells.count().increment();
        }

        void write(StringBuilder out) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(" histogram\n");
            for (Map.Entry<Series, Cells> entry : sorted().values()) {
                String[] values = entry.getKey().values();
                Cells cells = entry.getValue();
                long cumulative = 0;
                for (int i = 0; i < BUCKETS.length; i++) {
                    cumulative += cells.buckets()[i].sum();
                    out.append(name)
                            .append("_bucket")
                            .append(labels(labelNames, values, "le", number(BUCKETS[i])))
                            .append(' ')
                            .append(cumulative)
                            .append('\n');
                }
                long count = Math.max(cells.count().sum(), cumulative); // the adders are read one by one
                out.append(name)
                        .append("_bucket")
                        .append(labels(labelNames, values, "le", "+Inf"))
                        .append(' ')
                        .append(count)
                        .append('\n');
                String plain = labels(labelNames, values, null, null);
                out.append(name)
                        .append("_sum")
                        .append(plain)
                        .append(' ')
                        .append(number(cells.sum().sum()));
                out.append('\n');
                out.append(name)
                        .append("_count")
                        .append(plain)
                        .append(' ')
                        .append(count)
                        .append('\n');
            }
        }
    }
}
