package dev.sluice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one benchmark run does. Every count and duration is bounded, so a run always ends by itself.
 *
 * @param requests          measured sequential requests per target; the CPU phase sends as many again
 * @param warmup            sequential warm-up requests per target, before anything is measured
 * @param chunks            content chunks the fake upstream streams per request
 * @param throughputTime    how long each throughput run is measured
 * @param throughputWarmup  load applied before each throughput run's measurement window opens
 * @param concurrency       concurrent clients of the throughput runs, one run per value and target
 * @param arguments         the command line as given, echoed in the report so the numbers come with their command
 */
public record BenchOptions(
        int requests,
        int warmup,
        int chunks,
        Duration throughputTime,
        Duration throughputWarmup,
        List<Integer> concurrency,
        List<String> arguments) {
    static final String USAGE = """
            Usage: bench/run.sh [options]
              --requests N        measured sequential requests per target (default 2000; --quick 200)
              --warmup N          sequential warm-up requests per target (default 500; --quick 100)
              --chunks N          content chunks per streamed response (default 50)
              --seconds S         measured seconds per throughput run (default 10; --quick 3)
              --warmup-seconds S  warm-up seconds before each throughput run (default 2; --quick 1)
              --concurrency LIST  comma-separated client counts for the throughput runs (default 32,128)
              --quick             small counts for a smoke run (explicit options still win)
            """;

    public BenchOptions {
        requireBetween("--requests", requests, 1, 1_000_000);
        requireBetween("--warmup", warmup, 0, 1_000_000);
        requireBetween("--chunks", chunks, 1, 10_000);
        requireSeconds("--seconds", throughputTime, Duration.ofMillis(100));
        requireSeconds("--warmup-seconds", throughputWarmup, Duration.ZERO);
        concurrency = List.copyOf(concurrency);
        if (concurrency.isEmpty()) {
            throw new IllegalArgumentException("--concurrency needs at least one value");
        }
        concurrency.forEach(clients -> requireBetween("--concurrency", clients, 1, 1024));
        arguments = List.copyOf(arguments);
    }

    /** The full run: 2000 requests per target after 500 warm-up, 50 chunks, 10 s at 32 and 128 clients. */
    public static BenchOptions defaults() {
        return new BenchOptions(
                2000, 500, 50, Duration.ofSeconds(10), Duration.ofSeconds(2), List.of(32, 128), List.of());
    }

    /** A smoke run: the same phases with small counts. */
    public static BenchOptions quick() {
        return new BenchOptions(
                200, 100, 50, Duration.ofSeconds(3), Duration.ofSeconds(1), List.of(32, 128), List.of("--quick"));
    }

    /** Parses {@code --name value} options; {@code --quick} sets the base, explicit options override it. */
    public static BenchOptions parse(String... args) {
        List<String> given = List.of(args);
        BenchOptions options = given.contains("--quick") ? quick() : defaults();
        int requests = options.requests;
        int warmup = options.warmup;
        int chunks = options.chunks;
        Duration time = options.throughputTime;
        Duration throughputWarmup = options.throughputWarmup;
        List<Integer> concurrency = options.concurrency;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--quick")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--requests" -> requests = parseInt(name, value);
                case "--warmup" -> warmup = parseInt(name, value);
                case "--chunks" -> chunks = parseInt(name, value);
                case "--seconds" -> time = parseSeconds(name, value);
                case "--warmup-seconds" -> throughputWarmup = parseSeconds(name, value);
                case "--concurrency" -> concurrency = parseList(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return new BenchOptions(requests, warmup, chunks, time, throughputWarmup, concurrency, given);
    }

    /** The same run with these client counts (used by the smoke test). */
    public BenchOptions withConcurrency(List<Integer> clients) {
        return new BenchOptions(requests, warmup, chunks, throughputTime, throughputWarmup, clients, arguments);
    }

    /**
     * An upper bound on the run's wall time, for the watchdog in {@link StreamingBenchmark#main}: start-up, every
     * sequential request at a pessimistic 50 ms, and each throughput run with its drain allowance.
     */
    Duration timeLimit() {
        long targets = 1L + StreamingBenchmark.GATEWAYS.size();
        long sequential = targets * (warmup + 2L * requests + 2);
        long throughputRuns = targets * concurrency.size();
        return Duration.ofSeconds(120)
                .plus(Duration.ofMillis(50).multipliedBy(sequential))
                .plus(throughputTime
                        .plus(throughputWarmup)
                        .plus(ThroughputRun.DRAIN_ALLOWANCE)
                        .plusSeconds(5)
                        .multipliedBy(throughputRuns));
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }

    private static Duration parseSeconds(String name, String value) {
        try {
            double seconds = Double.parseDouble(value.strip());
            if (!(seconds >= 0 && seconds <= 3600)) {
                throw new IllegalArgumentException(name + " must be between 0 and 3600 seconds, got " + value);
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a number of seconds, got '" + value + "'");
        }
    }

    private static List<Integer> parseList(String name, String value) {
        List<Integer> values = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                values.add(parseInt(name, part));
            }
        }
        return values;
    }

    private static void requireBetween(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void requireSeconds(String name, Duration value, Duration min) {
        if (value.compareTo(min) < 0 || value.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s must be between %.1f s and 3600 s", name, min.toMillis() / 1000.0));
        }
    }
}
