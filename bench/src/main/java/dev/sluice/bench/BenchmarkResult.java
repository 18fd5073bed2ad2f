package dev.sluice.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything one run measured; {@link MarkdownReport} renders it.
 *
 * @param loadBefore       the machine's load averages (1, 5, 15 min) when the run started
 * @param loadAfter        and when it ended
 * @param sequentialErrors failed requests of the latency and CPU phases (warm-up excluded)
 */
public record BenchmarkResult(
        BenchOptions options,
        Machine machine,
        Instant startedAt,
        Duration elapsed,
        String loadBefore,
        String loadAfter,
        SequentialRun.LatencyResult latency,
        SequentialRun.CpuResult cpu,
        List<ThroughputRun.Result> throughput,
        long sequentialErrors,
        List<String> sequentialErrorReasons,
        long sequentialReconnects) {

    public BenchmarkResult {
        throughput = List.copyOf(throughput);
        sequentialErrorReasons = List.copyOf(sequentialErrorReasons);
    }

    /** Failed requests over every measured phase. */
    public long totalErrors() {
        return sequentialErrors
                + throughput.stream().mapToLong(ThroughputRun.Result::errors).sum();
    }

    /** The results as Markdown, ready to paste into the README. */
    public String toMarkdown() {
        return MarkdownReport.render(this);
    }
}
