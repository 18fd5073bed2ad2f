package dev.sluice.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.quota.Limits;
import dev.sluice.testing.FakeUpstream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the exact response cache costs and saves on the dev stack (the cache is its DynamoDB Local table), for streamed
 * chat completions over one keep-alive connection, one request at a time:
 *
 * <ul>
 *   <li>{@code bypass}: {@code temperature} 0.7, the same body every time: not cacheable, no lookup;
 *   <li>{@code miss}: {@code temperature} 0, a new user message every time: a lookup that misses, the answer recorded
 *       and stored after {@code [DONE]};
 *   <li>{@code hit}: {@code temperature} 0, one fixed message, stored during the warm-up: replayed every time.
 * </ul>
 *
 * The three cases take turns request by request (the order rotating), so drift lands on all of them alike. The miss
 * minus the bypass is what a lookup adds before the first byte; the target is under 1 ms p50 on the dev stack.
 * Bounded by count and a watchdog; everything on 127.0.0.1. {@code bench/cache.sh > cache.md}.
 */
public final class CacheBenchmark {
    static final int CHUNKS = 50;
    static final String CACHE_HEADER = "x-sluice-cache";
    /** Requests per case checked through {@link HttpClient} for their {@value #CACHE_HEADER} header, before and after. */
    static final int HEADER_CHECKS = 5;

    static final String USAGE = """
            usage: bench/cache.sh [--quick] [--requests N] [--warmup N]
              --requests N   measured requests per case (default 1000)
              --warmup N     warm-up requests per case (default 300)
              --quick        50 warm-up and 200 measured requests per case
            """;

    /** What the request asks of the cache, and the {@value #CACHE_HEADER} its answer must carry. */
    enum Case {
        BYPASS,
        MISS,
        HIT;

        String header() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record Options(int warmup, int requests, List<String> arguments) {
        static Options parse(String[] args) {
            int warmup = 300;
            int requests = 1_000;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> {
                        warmup = 50;
                        requests = 200;
                    }
                    case "--requests" -> requests = count(args, ++i);
                    case "--warmup" -> warmup = count(args, ++i);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return new Options(warmup, requests, List.of(args));
        }

        private static int count(String[] args, int index) {
            if (index >= args.length) {
                throw new IllegalArgumentException(args[index - 1] + " needs a number");
            }
            int value = Integer.parseInt(args[index]);
            if (value < 1 || value > 100_000) {
                throw new IllegalArgumentException(args[index - 1] + " must be 1 to 100000");
            }
            return value;
        }

        /** Generous: a request takes a few milliseconds, the stack starts in seconds. */
        Duration timeLimit() {
            return Duration.ofSeconds(120 + 3L * (warmup + requests) * Case.values().length / 10);
        }
    }

    private CacheBenchmark() {}

    public static void main(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(USAGE);
            System.exit(0);
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        StreamingBenchmark.startWatchdog(options.timeLimit());
        int status = 0;
        try {
            System.out.print(run(options, System.err));
            System.out.flush();
        } catch (Exception e) {
            System.err.println("cache benchmark failed: " + e);
            e.printStackTrace(System.err);
            status = 1;
        }
        System.exit(status);
    }

    /** Starts a fake upstream and a dev stack, measures the three cases, returns the Markdown report. */
    static String run(Options options, PrintStream progress) throws IOException, InterruptedException {
        StreamingBenchmark.useBenchLogging();
        Instant startedAt = Instant.now();
        Machine machine = Machine.current();
        try (FakeUpstream upstream = FakeUpstream.start();
                DevStack stack = DevStack.start(DevOptions.defaults(StreamingBenchmark.stackEnvironment())
                        .withPorts(0, 0)
                        .withDemoDelay(Duration.ZERO))) {
            StreamingBenchmark.routeToUpstream(upstream, stack, CHUNKS);
            // The demo tenant has a daily budget; a key without limits in a tenant without a record has none.
            String key = DevStack.createKey(stack.keys(), StreamingBenchmark.OPEN_TENANT, "cache-bench", Limits.NONE);
            URI base = URI.create(stack.routerUrl() + "/v1");
            Bodies bodies = new Bodies(base, key, Long.toString(startedAt.toEpochMilli(), 36));
            InetSocketAddress address = new InetSocketAddress(base.getHost(), base.getPort());
            int expectedEvents = CHUNKS + 3;
            Map<Case, Samples> firstData = new EnumMap<>(Case.class);
            Map<Case, Samples> done = new EnumMap<>(Case.class);
            Samples pairedOverhead = new Samples(options.requests());
            long upstreamCalls;
            try (SseConnection connection = new SseConnection(address)) {
                progress.printf("warm-up: %d requests per case%n", options.warmup());
                for (int i = 0; i < options.warmup(); i++) {
                    for (Case c : Case.values()) {
                        check(c, connection.send(bodies.request(c)), expectedEvents);
                    }
                }
                checkHeaders(bodies, "after the warm-up");
                for (Case c : Case.values()) {
                    firstData.put(c, new Samples(options.requests()));
                    done.put(c, new Samples(options.requests()));
                }
                progress.printf("measuring: %d requests per case%n", options.requests());
                long upstreamBefore = upstream.requestCount();
                Case[] order = Case.values();
                for (int i = 0; i < options.requests(); i++) {
                    long[] first = new long[order.length];
                    for (int turn = 0; turn < order.length; turn++) {
                        Case c = order[(i + turn) % order.length];
                        StreamResult result = check(c, connection.send(bodies.request(c)), expectedEvents);
                        firstData.get(c).add(result.firstDataNanos());
                        done.get(c).add(result.doneNanos());
                        first[c.ordinal()] = result.firstDataNanos();
                    }
                    pairedOverhead.add(first[Case.MISS.ordinal()] - first[Case.BYPASS.ordinal()]);
                }
                upstreamCalls = upstream.requestCount() - upstreamBefore;
            }
            // Every bypass and every miss calls the upstream, no hit does: anything else means a case went wrong.
            long expectedCalls = 2L * options.requests();
            if (upstreamCalls != expectedCalls) {
                throw new IllegalStateException("the upstream answered " + upstreamCalls
                        + " measured requests, expected " + expectedCalls + " (bypass and miss only)");
            }
            checkHeaders(bodies, "after the measured requests");
            return report(options, machine, startedAt, firstData, done, pairedOverhead.percentiles(), upstreamCalls);
        }
    }

    /** The request bodies of each case, built before anything is timed; a miss's message carries a counter. */
    private static final class Bodies {
        private final URI base;
        private final String key;
        private final String runId;
        private final byte[] bypass;
        private final byte[] hit;
        private long misses;

        Bodies(URI base, String key, String runId) {
            this.base = base;
            this.key = key;
            this.runId = runId;
            this.bypass = request(body("0.7", "Hello from the bypass case!"));
            this.hit = request(body("0", "Hello from the hit case!"));
        }

        byte[] request(Case c) {
            return switch (c) {
                case BYPASS -> bypass;
                case HIT -> hit;
                case MISS -> request(body(c));
            };
        }

        String body(Case c) {
            return switch (c) {
                case BYPASS -> body("0.7", "Hello from the bypass case!");
                case HIT -> body("0", "Hello from the hit case!");
                case MISS -> body("0", "Hello from miss " + runId + "-" + misses++ + "!");
            };
        }

        private byte[] request(String body) {
            return Target.chatCompletionsPost(base, key, body.getBytes(UTF_8));
        }

        private static String body(String temperature, String message) {
            return "{\"model\":\"" + StreamingBenchmark.ALIAS + "\",\"temperature\":" + temperature + ",\"messages\":["
                    + "{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                    + "{\"role\":\"user\",\"content\":\"" + message + "\"}],"
                    + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        }
    }

    private static StreamResult check(Case c, StreamResult result, int expectedEvents) {
        String problem = result.error() != null
                ? result.error()
                : !result.done()
                        ? "no [DONE] after " + result.events() + " events"
                        : result.events() != expectedEvents
                                ? "expected " + expectedEvents + " data events, got " + result.events()
                                : null;
        if (problem != null) {
            throw new IllegalStateException("a " + c.header() + " request did not stream: " + problem);
        }
        return result;
    }

    /**
     * The raw-socket client reads no headers, so a few requests of each case go through {@link HttpClient} to check
     * that {@value #CACHE_HEADER} says what the case means.
     */
    private static void checkHeaders(Bodies bodies, String when) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build()) {
            for (Case c : Case.values()) {
                for (int i = 0; i < HEADER_CHECKS; i++) {
                    HttpResponse<String> response = client.send(
                            HttpRequest.newBuilder(URI.create(bodies.base + "/chat/completions"))
                                    .timeout(Duration.ofSeconds(30))
                                    .header("Authorization", "Bearer " + bodies.key)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(bodies.body(c)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    String header = response.headers().firstValue(CACHE_HEADER).orElse("(none)");
                    if (response.statusCode() != 200
                            || !header.equals(c.header())
                            || !response.body().contains("data: [DONE]")) {
                        throw new IllegalStateException(when + ", a " + c.header() + " request got HTTP "
                                + response.statusCode() + " with " + CACHE_HEADER + ": " + header);
                    }
                }
            }
        }
    }

    private static String report(
            Options options,
            Machine machine,
            Instant startedAt,
            Map<Case, Samples> firstData,
            Map<Case, Samples> done,
            Samples.Percentiles paired,
            long upstreamCalls) {
        Map<Case, Samples.Percentiles> first = new EnumMap<>(Case.class);
        Map<Case, Samples.Percentiles> end = new EnumMap<>(Case.class);
        for (Case c : Case.values()) {
            first.put(c, firstData.get(c).percentiles());
            end.put(c, done.get(c).percentiles());
        }
        StringBuilder out = new StringBuilder();
        out.append("# Response cache benchmark\n\n")
                .append(startedAt.toString(), 0, 10)
                .append(", `bench/cache.sh");
        options.arguments().forEach(argument -> out.append(' ').append(argument));
        out.append("`: ")
                .append(machine.cpuModel())
                .append(", ")
                .append(machine.processors())
                .append(" cores, Java ")
                .append(machine.java())
                .append(", ")
                .append(machine.os())
                .append(".\n\n")
                .append("Dev stack (cache table in DynamoDB Local), fake upstream streaming ")
                .append(CHUNKS)
                .append(" content chunks, one keep-alive connection, the cases taking turns; ")
                .append(options.warmup())
                .append(" warm-up and ")
                .append(options.requests())
                .append(" measured requests per case. Every answer was complete (")
                .append(CHUNKS + 3)
                .append(" data events, then `[DONE]`); the upstream answered ")
                .append(upstreamCalls)
                .append(" of the measured requests (every bypass and miss, no hit); ")
                .append(HEADER_CHECKS)
                .append(" requests per case after the warm-up and after the run carried the expected `")
                .append(CACHE_HEADER)
                .append("`.\n\n");
        out.append("| case | `")
                .append(CACHE_HEADER)
                .append("` | first `data:` p50 | p90 | p99 | `[DONE]` p50 | p90 | p99 |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Case c : Case.values()) {
            out.append("| ")
                    .append(c.header())
                    .append(" | `")
                    .append(c.header())
                    .append("` |");
            for (Samples.Percentiles p : List.of(first.get(c), end.get(c))) {
                for (int percent : new int[] {50, 90, 99}) {
                    out.append(' ').append(ms(p.get(percent))).append(" |");
                }
            }
            out.append('\n');
        }
        out.append("\nTimes in ms from the request's first byte written.\n\n");
        long p50 = first.get(Case.MISS).p50() - first.get(Case.BYPASS).p50();
        long p99 = first.get(Case.MISS).p99() - first.get(Case.BYPASS).p99();
        List<String> lines = new ArrayList<>();
        lines.add("Lookup overhead (miss − bypass, first `data:`): p50 " + signedMs(p50) + " ms, p99 " + signedMs(p99)
                + " ms; per turn (the miss minus the bypass sent next to it) p50 " + signedMs(paired.p50())
                + " ms. Target under 1 ms p50 on the dev stack: " + (p50 < 1_000_000 ? "met." : "**not met**."));
        lines.add("Hit vs miss, first `data:` p50: " + ms(first.get(Case.HIT).p50()) + " vs "
                + ms(first.get(Case.MISS).p50()) + " ms ("
                + ratio(first.get(Case.HIT).p50(), first.get(Case.MISS).p50())
                + "); `[DONE]` p50: " + ms(end.get(Case.HIT).p50()) + " vs "
                + ms(end.get(Case.MISS).p50()) + " ms ("
                + ratio(end.get(Case.HIT).p50(), end.get(Case.MISS).p50()) + ").");
        lines.forEach(line -> out.append("- ").append(line).append('\n'));
        return out.toString();
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String signedMs(long nanos) {
        return String.format(Locale.ROOT, "%+.3f", nanos / 1e6);
    }

    private static String ratio(long part, long whole) {
        return String.format(Locale.ROOT, "%.2f×", (double) part / whole);
    }
}
