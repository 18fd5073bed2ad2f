package dev.sluice.bench;

import dev.sluice.quota.Limits;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/** Renders a {@link BenchmarkResult} as Markdown tables, with the parameters and machine next to the numbers. */
final class MarkdownReport {
    /** Targets from DESIGN.md ("Targets"), in milliseconds and megabytes. */
    static final double TARGET_ADDED_FIRST_DATA_P50_MS = 1.0;

    static final double TARGET_ADDED_FIRST_DATA_P99_MS = 5.0;
    static final double TARGET_ADDED_CPU_MS = 0.5;
    static final double TARGET_RSS_MB = 300;

    private static final int[] PERCENTILES = {50, 90, 99};
    private static final String DIRECT = StreamingBenchmark.DIRECT;
    /** The gateway targets, one column pair each (figure, added), in this order. */
    private static final List<String> GATEWAYS = StreamingBenchmark.GATEWAYS;
    /** The configuration the DESIGN.md targets are judged on: every limit on. */
    private static final String JUDGED = StreamingBenchmark.GATEWAY_ALL_LIMITS;

    private MarkdownReport() {}

    static String render(BenchmarkResult result) {
        BenchOptions options = result.options();
        Machine machine = result.machine();
        StringBuilder md = new StringBuilder();
        md.append("## Streaming benchmark: local gateway vs the upstream directly\n\n");
        md.append("Sluice's dev stack (router, DynamoDB Local, in-process usage pipeline) in front of the loopback ")
                .append("fake OpenAI upstream, against the same fake called directly; client, gateway and upstream ")
                .append("share one JVM on 127.0.0.1.\n\n");

        md.append("| parameter | value |\n|---|---|\n");
        row(
                md,
                "command",
                "`bench/run.sh" + (options.arguments().isEmpty() ? "" : " " + String.join(" ", options.arguments()))
                        + "`");
        row(
                md,
                "stream",
                "`stream: true`, `stream_options.include_usage`; " + options.chunks() + " content chunks = "
                        + (options.chunks() + 3) + " SSE `data:` events + `[DONE]`");
        Limits all = StreamingBenchmark.ALL_LIMITS;
        row(
                md,
                "gateway keys",
                "`gateway-no-limits`: no limits, tenant without a record (no counter write); `gateway-rpm`: RPM limit "
                        + number(StreamingBenchmark.RPM_LIMIT) + " on the key only, tenant without a record "
                        + "(one conditional `UpdateItem` to reserve, nothing to settle); `gateway-all-limits`: on both "
                        + "key and tenant RPM " + number(all.requestsPerMinute()) + ", TPM "
                        + number(all.tokensPerMinute()) + ", " + number(all.maxConcurrent()) + " concurrent, budgets "
                        + number(all.budgetMicrosPerDay()) + " / " + number(all.budgetMicrosPerMonth())
                        + " micro-USD a day / month (two `UpdateItem`s in parallel to reserve, two to settle)");
        row(
                md,
                "route",
                "`" + StreamingBenchmark.ALIAS + "` → `openai-compatible` → the fake upstream, priced like the dev "
                        + "stack's demo model (so budgets count money)");
        row(
                md,
                "targets",
                "`direct` (the fake upstream), then the gateway with each key: "
                        + GATEWAYS.stream().map(name -> "`" + name + "`").collect(Collectors.joining(", ")));
        row(
                md,
                "sequential",
                options.requests() + " requests per target after " + options.warmup()
                        + " warm-up per target; one client, keep-alive; the targets take turns in blocks of "
                        + SequentialRun.BLOCK);
        row(
                md,
                "throughput",
                seconds(options.throughputTime()) + " measured after " + seconds(options.throughputWarmup())
                        + " warm-up, at "
                        + options.concurrency().stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + " clients (virtual threads, one keep-alive connection each)");
        row(
                md,
                "JVM",
                machine.java() + ", " + machine.vm() + "; GC " + machine.garbageCollectors()
                        + "; max heap " + megabytes(machine.maxHeapBytes()) + " MB"
                        + (machine.jvmArguments().isEmpty()
                                ? ""
                                : "; flags `" + String.join(" ", machine.jvmArguments()) + "`"));
        row(md, "OS", machine.os());
        row(md, "CPU", machine.cpuModel() + ", " + machine.processors() + " available processors");
        row(
                md,
                "run",
                result.startedAt().truncatedTo(ChronoUnit.SECONDS) + ", took "
                        + result.elapsed().toSeconds() + " s; load average (1/5/15 min) " + result.loadBefore()
                        + " before, " + result.loadAfter() + " after");
        md.append('\n');

        latency(md, result.latency(), options.requests());
        cpu(md, result.cpu());
        throughput(md, result.throughput(), machine.processors());
        memory(md, result.throughput(), machine);
        errors(md, result);
        return md.toString();
    }

    private static void latency(StringBuilder md, SequentialRun.LatencyResult latency, int requests) {
        md.append("### Latency, one client, sequential (ms; ").append(requests).append(" requests per target)\n\n");
        header(md, "metric");
        for (int p : PERCENTILES) {
            long direct = latency.firstData().get(DIRECT).get(p);
            long judged = latency.firstData().get(JUDGED).get(p);
            String target = judged < 0 || direct < 0
                    ? ""
                    : switch (p) {
                        case 50 -> verdict(judged - direct, TARGET_ADDED_FIRST_DATA_P50_MS);
                        case 99 -> verdict(judged - direct, TARGET_ADDED_FIRST_DATA_P99_MS);
                        default -> "";
                    };
            latencyRow(md, "first `data:` p" + p, latency.firstData(), p, target);
        }
        for (int p : PERCENTILES) {
            latencyRow(md, "`[DONE]` p" + p, latency.done(), p, "");
        }
        md.append("\n`gateway-no-limits` writes no counter (no limits on the key, no record for its tenant); ")
                .append("`gateway-rpm` reserves with one conditional `UpdateItem` and has nothing to settle; ")
                .append("`gateway-all-limits` (every limit on key and tenant, which the targets are judged on) ")
                .append("reserves key and tenant in parallel, so on the client's critical path it should cost at ")
                .append("most one DynamoDB round trip more than `gateway-rpm`, and it settles both after the last ")
                .append("chunk: the router writes `[DONE]` and then settles, so settlement shows in neither latency ")
                .append("row but in the CPU and wall-time rows below and in throughput.\n\n");
    }

    /** The header of a table with a figure and its "added" for each gateway, and the target judged on the last. */
    private static void header(StringBuilder md, String first) {
        md.append("| ").append(first).append(" | direct |");
        for (String gateway : GATEWAYS) {
            md.append(" `").append(gateway).append("` | added |");
        }
        md.append(" target for added, all limits |\n|---|--:|");
        md.append("--:|--:|".repeat(GATEWAYS.size()));
        md.append("---|\n");
    }

    private static void latencyRow(
            StringBuilder md, String label, Map<String, Samples.Percentiles> byTarget, int p, String target) {
        long direct = byTarget.get(DIRECT).get(p);
        List<Object> row = new ArrayList<>(List.of(label, ms(direct)));
        for (String gateway : GATEWAYS) {
            long value = byTarget.get(gateway).get(p);
            row.add(ms(value));
            row.add(added(value, direct));
        }
        row.add(target);
        cells(md, row.toArray());
    }

    private static void cpu(StringBuilder md, SequentialRun.CpuResult cpu) {
        md.append("### CPU per streamed request (process CPU-ms; ")
                .append(cpu.requestsEach())
                .append(" sequential requests per target)\n\n");
        header(md, "measured over");
        cpuRow(md, cpu, "the requests", SequentialRun.CpuResult.Totals::loop, true);
        cpuRow(md, cpu, "the requests + draining the usage pipeline", SequentialRun.CpuResult.Totals::settled, false);
        cpuRow(md, cpu, "… of which DynamoDB Local's own threads", SequentialRun.CpuResult.Totals::engine, false);
        cpuRow(md, cpu, "… without DynamoDB Local's own threads", t -> t.settled() - t.engine(), false);
        cpuRow(md, cpu, "… of which the usage pipeline's thread", SequentialRun.CpuResult.Totals::usage, false);
        cpuRow(md, cpu, "… of which GC, JIT and the VM (no Java thread)", SequentialRun.CpuResult.Totals::jvm, false);
        cpuRow(
                md,
                cpu,
                "… the Java threads of router, client and upstream alone",
                t -> t.settled() - t.engine() - t.usage() - t.jvm(),
                false);
        cpuRow(md, cpu, "wall time per request (ms, not CPU)", SequentialRun.CpuResult.Totals::wall, false);
        md.append("\nClient and fake upstream run in the same JVM for every target, so \"added\" is the ")
                .append("gateway's share: ")
                .append("router, key, tenant and route caches, the quota writes (SDK client and DynamoDB Local: none ")
                .append("for `gateway-no-limits`, one for `gateway-rpm`, two to reserve and two to settle for ")
                .append("`gateway-all-limits`), the upstream ")
                .append("HTTP client, re-encoding each chunk, and (from the second row) folding usage into DynamoDB ")
                .append("Local. DynamoDB Local's threads (its Jetty pool and SQLite queue) stand in for DynamoDB, ")
                .append("which ")
                .append("in production costs the router nothing; the fourth row leaves them out. The usage ")
                .append("pipeline's thread folds usage events into DynamoDB Local in the background, as the ")
                .append("billing-aggregator function does in production (the router's own share is publishing the ")
                .append("event); GC, JIT compilers and VM threads are the process's CPU that no Java thread used. The ")
                .append("last row leaves all of those out: the request path itself (router, HTTP clients and servers, ")
                .append("with the client and the fake upstream, which \"added\" subtracts). Thread groups are lower ")
                .append("bounds (a thread that ends between two readings loses its CPU from its group).\n\n");
    }

    private static void cpuRow(
            StringBuilder md,
            SequentialRun.CpuResult cpu,
            String label,
            ToLongFunction<SequentialRun.CpuResult.Totals> measure,
            boolean withTarget) {
        double direct = cpu.perRequest(DIRECT, measure);
        List<Object> row = new ArrayList<>(List.of(label, decimal(direct)));
        for (String gateway : GATEWAYS) {
            double value = cpu.perRequest(gateway, measure);
            row.add(decimal(value));
            row.add(decimal(value - direct));
        }
        double judged = cpu.perRequest(JUDGED, measure);
        row.add(withTarget ? verdictMillis(judged - direct, TARGET_ADDED_CPU_MS) : "");
        cells(md, row.toArray());
    }

    private static void throughput(StringBuilder md, List<ThroughputRun.Result> runs, int processors) {
        md.append("### Throughput (streams completed to `[DONE]` in the measured window)\n\n");
        md.append("| clients | target | streams/s | chunks/s | vs direct | errors | reconnects ")
                .append("| first `data:` p50 / p99 (ms) | `[DONE]` p50 / p99 (ms) | CPU busy | process CPU-ms/stream ")
                .append("| peak RSS (MB) |\n|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (ThroughputRun.Result run : runs) {
            ThroughputRun.Result direct = runs.stream()
                    .filter(other ->
                            other.clients() == run.clients() && other.target().equals(DIRECT))
                    .findFirst()
                    .orElse(null);
            String ratio =
                    direct == null || direct.completed() == 0 || run.target().equals(DIRECT)
                            ? ""
                            : String.format(Locale.ROOT, "%.2f×", run.streamsPerSecond() / direct.streamsPerSecond());
            cells(
                    md,
                    run.clients(),
                    run.target(),
                    String.format(Locale.ROOT, "%,.0f", run.streamsPerSecond()),
                    String.format(Locale.ROOT, "%,.0f", run.chunksPerSecond()),
                    ratio,
                    run.errors(),
                    run.reconnects(),
                    ms(run.firstData().p50()) + " / " + ms(run.firstData().p99()),
                    ms(run.done().p50()) + " / " + ms(run.done().p99()),
                    String.format(Locale.ROOT, "%.0f%%", 100 * run.cpuUtilisation(processors)),
                    decimal(run.cpuMillisPerStream()),
                    megabytes(run.peakRss()));
        }
        md.append('\n');
        List<String> backlogs = new ArrayList<>();
        for (ThroughputRun.Result run : runs) {
            if (!run.target().equals(DIRECT)) {
                backlogs.add(run.target() + " at " + run.clients() + " clients: " + run.usageBacklog());
            }
        }
        if (!backlogs.isEmpty()) {
            md.append("Usage events waiting for the aggregator when each gateway window closed: ")
                    .append(String.join("; ", backlogs))
                    .append(". Reconnects: requests sent again on a new ")
                    .append("connection because the server had closed the kept-alive one (the JDK HTTP server keeps ")
                    .append("at most `sun.net.httpserver.maxIdleConnections`, default 200, idle connections). ")
                    .append("No peer gateway was measured side by side ")
                    .append("here, so the throughput target (≥ 2× the best peer) is not assessed.\n\n");
        }
    }

    private static void memory(StringBuilder md, List<ThroughputRun.Result> runs, Machine machine) {
        ThroughputRun.Result largest = runs.stream()
                .filter(run -> run.target().equals(JUDGED))
                .max((a, b) -> Integer.compare(a.clients(), b.clients()))
                .orElse(null);
        if (largest == null) {
            return;
        }
        md.append("### Memory during the ")
                .append(largest.clients())
                .append("-client `")
                .append(JUDGED)
                .append("` run\n\n");
        md.append("| measure | MB | target (router alone) |\n|---|--:|---|\n");
        cells(
                md,
                "peak `VmRSS` sampled every 100 ms",
                megabytes(largest.peakRss()),
                verdictMegabytes(largest.peakRss()));
        cells(md, "`VmHWM` (process peak so far)", megabytes(largest.peakRssSinceStart()), "");
        md.append('\n');
        md.append("An upper bound for the router: the one JVM also holds DynamoDB Local, the fake upstream and the ")
                .append(largest.clients())
                .append(" clients, and ")
                .append(
                        machine.jvmArguments().stream()
                                        .anyMatch(flag -> flag.startsWith("-Xmx") || flag.startsWith("-XX:MaxRAM"))
                                ? "its heap is capped by the flags above"
                                : "its heap is sized by JVM defaults (set a cap " + "with `BENCH_JAVA_OPTS=-Xmx...`)")
                .append(".\n\n");
    }

    private static void errors(StringBuilder md, BenchmarkResult result) {
        List<String> reasons = new ArrayList<>(result.sequentialErrorReasons());
        long reconnects = result.sequentialReconnects();
        for (ThroughputRun.Result run : result.throughput()) {
            run.errorReasons().forEach(reason -> reasons.add(run.clients() + " clients, " + reason));
            reconnects += run.reconnects();
        }
        md.append("Errors: ")
                .append(result.totalErrors())
                .append(" (sequential ")
                .append(result.sequentialErrors())
                .append("). Keep-alive reconnects: ")
                .append(reconnects)
                .append(".\n");
        for (String reason : reasons.subList(0, Math.min(10, reasons.size()))) {
            md.append("- ").append(reason.replace('\n', ' ').replace('|', '/')).append('\n');
        }
    }

    private static void row(StringBuilder md, String name, String value) {
        cells(md, name, value.replace("|", "\\|"));
    }

    /** One Markdown table row. */
    private static void cells(StringBuilder md, Object... cells) {
        md.append('|');
        for (Object cell : cells) {
            md.append(' ').append(cell).append(" |");
        }
        md.append('\n');
    }

    private static String added(long gateway, long direct) {
        return gateway == -1 || direct == -1 ? "n/a" : ms(gateway - direct);
    }

    private static String verdict(long addedNanos, double targetMillis) {
        return verdictMillis(addedNanos / 1e6, targetMillis);
    }

    private static String verdictMillis(double added, double targetMillis) {
        return "≤ " + decimal(targetMillis) + " ms: " + (added <= targetMillis ? "met" : "**missed**");
    }

    private static String verdictMegabytes(long bytes) {
        return "≤ " + (int) TARGET_RSS_MB + " MB: "
                + (bytes >= 0 && bytes / 1048576.0 <= TARGET_RSS_MB ? "met" : "**missed** (upper bound)");
    }

    private static String number(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String ms(long nanos) {
        return nanos == -1 ? "n/a" : String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String decimal(double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
