package dev.sluice.bench;

import java.time.Duration;
import java.util.List;

/**
 * What one soak run does: one gateway target, a fixed number of clients, for minutes rather than seconds, reported
 * interval by interval so a slow decline or a stall shows when it starts. Every duration is bounded.
 *
 * @param duration  how long the clients send requests
 * @param interval  how often a line of figures is taken
 * @param clients   concurrent clients, one virtual thread and keep-alive connection each
 * @param chunks    content chunks the fake upstream streams per request
 * @param target    one of the gateway targets ({@link StreamingBenchmark#GATEWAYS}): {@code gateway-all-limits}
 *                  (the default: every limit on key and tenant, two reservations and two settlements per request),
 *                  {@code gateway-rpm} (an RPM key: one conditional {@code UpdateItem} per request) or
 *                  {@code gateway-no-limits} (no DynamoDB write on the request path)
 * @param arguments the command line as given, echoed in the report
 */
public record SoakOptions(
        Duration duration, Duration interval, int clients, int chunks, String target, List<String> arguments) {
    static final String USAGE = """
            Soak mode: bench/run.sh --soak MINUTES [options]
              --soak MINUTES      run only one gateway target at one concurrency for this long (at most 60)
              --interval S        seconds per reported interval (default 10)
              --concurrency N     clients (default 128)
              --chunks N          content chunks per streamed response (default 50)
              --target NAME       gateway-all-limits (default; every limit on key and tenant), gateway-rpm
                                  (RPM key, one UpdateItem per request) or gateway-no-limits (no counter write)
              Exits with status 4 when an interval completed no stream (a stall).
            """;

    public SoakOptions {
        if (duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("--soak must be between 1 s and 60 minutes");
        }
        if (interval.compareTo(Duration.ofMillis(200)) < 0 || interval.compareTo(duration) > 0) {
            throw new IllegalArgumentException("--interval must be between 0.2 s and the soak's length");
        }
        if (clients < 1 || clients > 1024) {
            throw new IllegalArgumentException("--concurrency must be between 1 and 1024, got " + clients);
        }
        if (chunks < 1 || chunks > 10_000) {
            throw new IllegalArgumentException("--chunks must be between 1 and 10000, got " + chunks);
        }
        if (!StreamingBenchmark.GATEWAYS.contains(target)) {
            throw new IllegalArgumentException(
                    "--target must be one of " + String.join(", ", StreamingBenchmark.GATEWAYS) + ", got " + target);
        }
        arguments = List.copyOf(arguments);
    }

    static boolean requested(String... args) {
        return List.of(args).contains("--soak");
    }

    static SoakOptions parse(String... args) {
        Duration duration = null;
        Duration interval = Duration.ofSeconds(10);
        int clients = 128;
        int chunks = 50;
        String target = StreamingBenchmark.GATEWAY_ALL_LIMITS;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--soak" -> duration = seconds(name, value, 60);
                case "--interval" -> interval = seconds(name, value, 1);
                case "--concurrency" -> clients = whole(name, value);
                case "--chunks" -> chunks = whole(name, value);
                case "--target" -> target = value.strip();
                default -> throw new IllegalArgumentException("unknown option for a soak run: " + name);
            }
        }
        if (duration == null) {
            throw new IllegalArgumentException("--soak needs a number of minutes");
        }
        if (interval.compareTo(duration) > 0) {
            interval = duration;
        }
        return new SoakOptions(duration, interval, clients, chunks, target, List.of(args));
    }

    /** An upper bound on the run's wall time, for the watchdog: start-up, the soak, draining, the report. */
    Duration timeLimit() {
        return Duration.ofSeconds(120)
                .plus(duration)
                .plus(ThroughputRun.DRAIN_ALLOWANCE)
                .plusSeconds(60);
    }

    private static Duration seconds(String name, String value, double unitSeconds) {
        double amount;
        try {
            amount = Double.parseDouble(value.strip()) * unitSeconds;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a number, got '" + value + "'");
        }
        if (!(amount > 0 && amount <= 3600)) {
            throw new IllegalArgumentException(name + " is out of range: " + value);
        }
        return Duration.ofMillis(Math.round(amount * 1000));
    }

    private static int whole(String name, String value) {
        try {
            return Integer.parseInt(value.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }
}
