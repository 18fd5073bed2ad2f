package dev.sluice.bench;

import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders a {@link SoakRun.Result} as Markdown: the parameters, one row per interval, and the verdict. */
final class SoakReport {
    private SoakReport() {}

    static String render(SoakRun.Result result) {
        SoakOptions options = result.options();
        Machine machine = result.machine();
        StringBuilder md = new StringBuilder();
        md.append("## Soak: ")
                .append(options.target())
                .append(", ")
                .append(options.clients())
                .append(" clients, ")
                .append(options.duration().toSeconds())
                .append(" s\n\n");
        md.append("| parameter | value |\n|---|---|\n");
        row(md, "command", "`bench/run.sh " + String.join(" ", options.arguments()) + "`");
        row(
                md,
                "stream",
                options.chunks() + " content chunks = " + (options.chunks() + 3) + " SSE `data:` events + `[DONE]`");
        row(md, "target", describe(options.target()));
        row(
                md,
                "JVM",
                machine.java() + ", " + machine.vm() + "; max heap " + (machine.maxHeapBytes() >> 20)
                        + " MB"
                        + (machine.jvmArguments().isEmpty()
                                ? ""
                                : "; flags `" + String.join(" ", machine.jvmArguments()) + "`"));
        row(md, "CPU", machine.cpuModel() + ", " + machine.processors() + " available processors");
        row(
                md,
                "run",
                result.startedAt().truncatedTo(ChronoUnit.SECONDS) + ", took "
                        + result.elapsed().toSeconds()
                        + " s; load average (1/5/15 min) " + result.loadBefore() + " before, " + result.loadAfter()
                        + " after");
        md.append('\n');

        md.append("| t (s) | streams/s | errors | `[DONE]` p99 (ms) | CPU busy | GC (ms) | heap (MB) | RSS (MB) ")
                .append("| usage backlog | DynamoDB items | threads | fds | DynamoDB Local TCP est / TIME_WAIT ")
                .append("| router TCP est / TIME_WAIT |\n");
        md.append("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (SoakRun.Interval interval : result.intervals()) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %.0f | %s | %d | %s | %.0f%% | %d | %d | %d | %d | %s | %d | %d | %d / %d | %d / %d |%n",
                    interval.elapsedSeconds(),
                    interval.stalled()
                            ? "**0 (stall)**"
                            : String.format(Locale.ROOT, "%,.0f", interval.streamsPerSecond()),
                    interval.errors(),
                    SoakRun.Interval.millis(interval.done().p99()),
                    interval.cpuBusy() * 100,
                    interval.gcMillis(),
                    interval.heapUsedBytes() >> 20,
                    interval.rssBytes() >> 20,
                    interval.usageBacklog(),
                    interval.itemsText(),
                    interval.threads(),
                    interval.fileDescriptors(),
                    interval.dynamoDbTcp().established(),
                    interval.dynamoDbTcp().timeWait(),
                    interval.routerTcp().established(),
                    interval.routerTcp().timeWait()));
        }
        md.append('\n');
        long stalls = result.stalledIntervals();
        md.append(String.format(
                Locale.ROOT,
                "Streams completed: %,d; errors: %,d; stalled intervals: %d%s.%n",
                result.completed(),
                result.errors(),
                stalls,
                stalls > 0 ? " (**stall**)" : ""));
        if (!result.errorReasons().isEmpty()) {
            md.append("\nFirst errors:\n\n");
            result.errorReasons()
                    .forEach(reason ->
                            md.append("- ").append(reason.replace('\n', ' ')).append('\n'));
        }
        if (!result.threadDumps().isEmpty()) {
            md.append("\nThread dumps: ")
                    .append(result.threadDumps().stream()
                            .map(Path::toString)
                            .map(p -> "`" + p + "`")
                            .collect(Collectors.joining(", ")))
                    .append('\n');
        }
        return md.toString();
    }

    /** What the gateway target's key carries, and the DynamoDB writes that costs per request. */
    static String describe(String target) {
        return switch (target) {
            case StreamingBenchmark.GATEWAY_NO_LIMITS ->
                "`gateway-no-limits`: key without limits in a tenant without a record, no DynamoDB write on the "
                        + "request path";
            case StreamingBenchmark.GATEWAY_RPM ->
                "`gateway-rpm`: key with an RPM limit in a tenant without limits, one conditional `UpdateItem` in "
                        + "DynamoDB Local per request (nothing to settle)";
            case StreamingBenchmark.GATEWAY_ALL_LIMITS ->
                "`gateway-all-limits`: every limit (RPM, TPM, concurrency, daily and monthly budget) on both key and "
                        + "tenant, priced route; two conditional `UpdateItem`s in parallel to reserve, two to settle";
            default -> "`" + target + "`";
        };
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }
}
