package dev.sluice.bench;

import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.RouterLambdaZip;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The router in a process of its own, as Lambda runs it: {@code functions/router}'s zip unpacked into a task root and
 * started by its {@code run.sh} (the Lambda flags, with a fixed heap). The dev stack (started here) lends it DynamoDB
 * Local with its tables and a key, and a loopback fake upstream streams 50 chunks. Kinesis is not emulated here, so
 * every usage event goes to the outbox table, the router's fallback.
 *
 * <p>First, {@code starts} cold starts with the zip's class-data archive and as many without, alternating: process
 * start to {@code /healthz}, then to the first streamed request's first byte and its end. Then one router under
 * {@code clients} concurrent streams (chunks 10 ms apart), its {@code VmRSS} sampled from {@code /proc} every 100 ms.
 * Everything on 127.0.0.1, bounded by the run's seconds and 500 requests per client. {@code bench/router-alone.sh >
 * router-alone.md}.
 */
public final class RouterAloneBenchmark {
    static final String USAGE = """
            usage: bench/router-alone.sh [--clients N] [--seconds N] [--heap SIZE] [--starts N] [--jvm-opts "FLAGS"]
              --clients N        concurrent streaming clients (default 128)
              --seconds N        how long they stream (default 20)
              --heap SIZE        the router's -Xmx (default 128m)
              --starts N         cold starts timed before the load run (default 5)
              --jvm-opts FLAGS   replace the router's tuning flags (default: run.sh's, from the zip)
              --chunk-delay-ms N the fake upstream's pause between chunks under load (default 10)
            """;

    /** What the router's thread groups are ({@code /proc} keeps a thread's first 15 characters). */
    private static final Map<String, String> THREAD_GROUPS = Map.of(
            "ForkJoinPool-#-", "virtual threads (the request path)",
            "HttpClient-#-Se", "upstream HTTP client's selector",
            "HttpClient-#-Wo", "upstream HTTP client's workers",
            "C# CompilerThre", "JIT compiler",
            "VM Thread", "VM thread (the serial collector)",
            "HTTP-Dispatcher", "HTTP server's dispatcher",
            "GC Thread#", "GC threads");

    private static final byte[] CHAT =
            "{\"model\":\"alone\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                    .getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        int clients = 128;
        int seconds = 20;
        String heap = "128m";
        int starts = 5;
        String jvmOpts = null;
        Duration chunkDelay = Duration.ofMillis(10);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--heap" -> heap = args[++i];
                case "--starts" -> starts = Integer.parseInt(args[++i]);
                case "--jvm-opts" -> jvmOpts = args[++i];
                case "--chunk-delay-ms" -> chunkDelay = Duration.ofMillis(Long.parseLong(args[++i]));
                default -> {
                    System.err.print(USAGE);
                    System.exit(2);
                }
            }
        }
        Path zip = Path.of("functions", "router", "target", "sluice-router-lambda.zip");
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException("build the router first: bench/router-alone.sh does");
        }
        StreamingBenchmark.useBenchLogging();
        // Usage events go to Kinesis as on AWS when the emulator can run (node and npm), else to the outbox table.
        KinesisEmulator kinesis = KinesisEmulator.isAvailable() ? KinesisEmulator.start() : null;
        try (kinesis;
                FakeUpstream upstream = FakeUpstream.start();
                DevStack stack = DevStack.start(
                        DevOptions.defaults(Map.of()).withPorts(0, 0).withDemoDelay(Duration.ZERO))) {
            String[] pieces = new String[50];
            for (int i = 0; i < pieces.length; i++) {
                pieces[i] = " word" + i;
            }
            upstream.streamContent(pieces);
            upstream.reportUsage(12, pieces.length);
            stack.routes()
                    .put(new Route(
                            "alone",
                            List.of(new Deployment(
                                    "openai-compatible",
                                    "fake-model",
                                    upstream.baseUrl().toString(),
                                    null,
                                    null,
                                    null))));
            String key = DevStack.createKey(stack.keys(), StreamingBenchmark.OPEN_TENANT, "router-alone", Limits.NONE);
            upstream.delayBetweenChunks(Duration.ZERO); // the start-up requests: the router's time, not the fake's
            Map<String, String> backends = new LinkedHashMap<>();
            backends.put("SLUICE_DYNAMODB_ENDPOINT", stack.dynamoDbEndpoint().toString());
            if (kinesis != null) {
                kinesis.createStream("sluice-usage", 2);
                backends.put("SLUICE_KINESIS_ENDPOINT", kinesis.endpoint().toString());
            } else {
                backends.put("SLUICE_KINESIS_ENDPOINT", "http://127.0.0.1:9"); // refused: usage goes to the outbox
            }
            Path taskRoot = RouterLambdaZip.unpack(zip);
            try {
                String archive = switch (RouterLambdaZip.addClassDataArchive(zip, taskRoot)) {
                    case FROM_THE_ZIP -> "from the zip";
                    case MADE_BY_THE_BUILD ->
                        "made at package time for this JDK and put into the task root (the zip holds it only when"
                                + " packaged with Amazon Corretto 21, the JDK Lambda's java21 runtime runs)";
                    case NONE -> "**none** (the build made none: -Dsluice.cds=off or -Dmaven.test.skip=true)";
                };
                LongSupplier parked = () -> items(stack.dynamo(), stack.tables().outbox());
                run(
                        taskRoot,
                        backends,
                        key,
                        upstream,
                        clients,
                        seconds,
                        heap,
                        starts,
                        jvmOpts,
                        archive,
                        chunkDelay,
                        parked);
            } finally {
                RouterLambdaZip.delete(taskRoot);
            }
        }
        System.exit(0);
    }

    private static void run(
            Path taskRoot,
            Map<String, String> backends,
            String key,
            FakeUpstream upstream,
            int clients,
            int seconds,
            String heap,
            int starts,
            String jvmOpts,
            String archive,
            Duration chunkDelay,
            LongSupplier parked)
            throws IOException, InterruptedException {
        {
            List<Start> withArchive = new ArrayList<>();
            List<Start> withoutArchive = new ArrayList<>();
            coldStart(
                    taskRoot, backends, key, heap, jvmOpts, true); // warms this JVM's DynamoDB Local and fake upstream
            for (int i = 0; i < starts; i++) {
                Thread.sleep(500); // this JVM's compilers settle, so the router's start has the cores
                withArchive.add(coldStart(taskRoot, backends, key, heap, jvmOpts, true));
                Thread.sleep(500);
                withoutArchive.add(coldStart(taskRoot, backends, key, heap, jvmOpts, false));
            }
            upstream.delayBetweenChunks(chunkDelay); // paced as a model streams: each chunk is its own read and write
            int port = freePort();
            Process router = launch(taskRoot, backends, port, heap, jvmOpts, true);
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                waitForHealth(base, System.nanoTime(), router);
                long idleKb = ProcessStats.rssKilobytes(router.pid());
                AtomicLong peakKb = new AtomicLong(idleKb);
                Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                    while (router.isAlive() && !Thread.currentThread().isInterrupted()) {
                        peakKb.accumulateAndGet(ProcessStats.rssKilobytes(router.pid()), Math::max);
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                long parkedBefore = parked.getAsLong();
                Load outcome = load(base, key, clients, seconds, router);
                long parkedInLoad = parked.getAsLong() - parkedBefore;
                sampler.interrupt();
                peakKb.accumulateAndGet(ProcessStats.rssKilobytes(router.pid()), Math::max);
                System.out.print(report(
                        clients,
                        seconds,
                        heap,
                        jvmOpts,
                        archive,
                        backends.get("SLUICE_KINESIS_ENDPOINT").endsWith(":9")
                                ? "the outbox table (Kinesis not emulated: no node here)"
                                : "the Kinesis emulator (kinesis-local, its own process)",
                        chunkDelay,
                        withArchive,
                        withoutArchive,
                        idleKb,
                        peakKb.get(),
                        outcome,
                        parkedInLoad));
            } finally {
                router.destroy();
                router.waitFor();
            }
        }
    }

    /** The items in a table: the outbox's parked usage events. */
    private static long items(DynamoDbClient dynamo, String table) {
        return dynamo.scanPaginator(r -> r.tableName(table).select(Select.COUNT)).stream()
                .mapToLong(page -> page.count())
                .sum();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** One cold start, timed from process start: {@code /healthz} answered, then the first streamed request. */
    record Start(long healthMillis, long firstByteMillis, long doneMillis) {}

    private static Start coldStart(
            Path taskRoot,
            Map<String, String> backends,
            String key,
            String heap,
            String jvmOpts,
            boolean classDataArchive)
            throws IOException, InterruptedException {
        int port = freePort();
        long launched = System.nanoTime();
        Process router = launch(taskRoot, backends, port, heap, jvmOpts, classDataArchive);
        try {
            URI base = URI.create("http://127.0.0.1:" + port);
            long health = waitForHealth(base, launched, router);
            // As the Web Adapter does: the invocation is forwarded once /healthz answers.
            HttpURLConnection connection = (HttpURLConnection)
                    base.resolve("/v1/chat/completions").toURL().openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setReadTimeout(20_000);
            connection.setRequestProperty("Authorization", "Bearer " + key);
            connection.setRequestProperty("Content-Type", "application/json");
            connection.getOutputStream().write(CHAT);
            try (InputStream body = connection.getInputStream()) {
                if (connection.getResponseCode() != 200 || body.read() < 0) {
                    throw new IllegalStateException("the first request answered " + connection.getResponseCode());
                }
                long firstByte = System.nanoTime();
                String rest = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                long done = System.nanoTime();
                if (!rest.contains("[DONE]")) {
                    throw new IllegalStateException("the first stream did not end with [DONE]: " + rest);
                }
                return new Start(health, (firstByte - launched) / 1_000_000, (done - launched) / 1_000_000);
            }
        } finally {
            router.destroy();
            router.waitFor();
        }
    }

    /** Starts the unpacked zip's {@code run.sh} as the Web Adapter does; {@code run.sh} exec's the router's JVM. */
    private static Process launch(
            Path taskRoot,
            Map<String, String> backends,
            int port,
            String heap,
            String jvmOpts,
            boolean classDataArchive)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(taskRoot.resolve("run.sh").toString())
                .directory(taskRoot.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = builder.environment();
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("AWS_LWA_PORT", Integer.toString(port));
        env.put("JAVA_TOOL_OPTIONS", "-Xmx" + heap); // run.sh sizes the heap from the machine's memory otherwise
        if (jvmOpts != null) {
            env.put("SLUICE_JVM_OPTS", jvmOpts);
        }
        env.put("SLUICE_CDS", classDataArchive ? "on" : "off");
        env.putAll(backends);
        env.put("SLUICE_AWS_EMULATOR", "true");
        env.put("SLUICE_SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:9");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        return builder.start();
    }

    private static long waitForHealth(URI base, long launchedNanos, Process router) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = launchedNanos + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && router.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(), BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return (System.nanoTime() - launchedNanos) / 1_000_000;
                }
            } catch (IOException notYet) {
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("the router did not answer /healthz within 30 s");
    }

    /** Completed and failed streams. */
    /**
     * What the load did: streams completed and failed, and the router process's CPU per completed stream over the run
     * after its first quarter (at most 2 s), when the router's compiler has done most of its work.
     */
    record Load(int done, int failed, double routerCpuMillisPerStream, Map<String, Double> byThreads) {}

    private static Load load(URI base, String key, int clients, int seconds, Process router)
            throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        List<Thread> threads = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; n < 500 && System.nanoTime() < end; n++) {
                    try {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                                        .header("Authorization", "Bearer " + key)
                                        .header("Content-Type", "application/json")
                                        .timeout(Duration.ofSeconds(20))
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(CHAT))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        (response.statusCode() == 200 && response.body().contains("[DONE]") ? done : failed)
                                .incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        Thread.sleep(Math.min(2_000, seconds * 250L));
        int doneBefore = done.get();
        long cpuBefore = cpuNanos(router);
        Map<String, Long> ticksBefore = ProcessStats.threadTicksByGroup(router.pid());
        // The last full second of the run: the router's threads are all still there.
        Thread.sleep(Math.max(0, (end - System.nanoTime()) / 1_000_000 - 1_000));
        Map<String, Long> ticksAfter = ProcessStats.threadTicksByGroup(router.pid());
        long cpuAtTicks = cpuNanos(router);
        int doneAtTicks = done.get();
        for (Thread thread : threads) {
            thread.join();
        }
        long cpu = cpuNanos(router) - cpuBefore;
        int streams = done.get() - doneBefore;
        double perStream = streams == 0 ? Double.NaN : cpu / 1e6 / streams;
        // Each group's share of the ticks, applied to the CPU per stream over the same interval.
        Map<String, Long> delta = new LinkedHashMap<>();
        ticksAfter.forEach((group, ticks) -> delta.put(group, ticks - ticksBefore.getOrDefault(group, 0L)));
        long totalTicks = delta.values().stream().mapToLong(Long::longValue).sum();
        double perStreamAtTicks =
                doneAtTicks == doneBefore ? Double.NaN : (cpuAtTicks - cpuBefore) / 1e6 / (doneAtTicks - doneBefore);
        Map<String, Double> byThreads = new LinkedHashMap<>();
        delta.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(6)
                .forEach(e -> byThreads.put(
                        e.getKey(), totalTicks == 0 ? Double.NaN : perStreamAtTicks * e.getValue() / totalTicks));
        return new Load(done.get(), failed.get(), perStream, byThreads);
    }

    private static long cpuNanos(Process process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static String report(
            int clients,
            int seconds,
            String heap,
            String jvmOpts,
            String archive,
            String usage,
            Duration chunkDelay,
            List<Start> withArchive,
            List<Start> withoutArchive,
            long idleKb,
            long peakKb,
            Load outcome,
            long parkedInLoad) {
        String flags = jvmOpts == null ? "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" : jvmOpts;
        return """
                ## The router alone: start and memory

                `bench/router-alone.sh`: the router's Lambda zip unpacked and started by its `run.sh` as the Web Adapter \
                starts it (`%s`, `-Xmx%s`), DynamoDB Local from the dev stack, a loopback fake upstream streaming 50 \
                chunks; usage events to %s.

                **Cold starts** (%d of each, alternating, after one discarded; median / slowest, ms from process start). The first request is \
                sent when `/healthz` answers, as the adapter forwards the first invocation; the fake streams it without \
                delays. The class-data archive: %s.

                | | `/healthz` answered | first request's first byte | first request done | target |
                |---|--:|--:|--:|---|
                | with the class-data archive | %s | %s | %s | ≤ 1,000 to the first request: %s |
                | without (`SLUICE_CDS=off`) | %s | %s | %s | |

                **Under load** (the archive on), %d clients streaming 50 chunks %d ms apart for %d s:

                | measure | value | target |
                |---|--:|---|
                | RSS idle, after start | %d MB | |
                | peak RSS | %d MB | ≤ 300 MB: %s |
                | the router's CPU per completed stream (after the first quarter of the run) | %.2f ms | ≤ 0.5 ms: %s |
                | streams completed to `[DONE]` / failed | %d / %d | |
                | usage events the stream did not take within the router's budget, parked in the outbox table instead | %d | |

                Where the router's CPU per stream goes, by thread (from `/proc/<pid>/task`, over the run but its first \
                quarter and last second): %s.
                """.formatted(
                        flags,
                        heap,
                        usage,
                        withArchive.size(),
                        archive,
                        spread(withArchive, Start::healthMillis),
                        spread(withArchive, Start::firstByteMillis),
                        spread(withArchive, Start::doneMillis),
                        withArchive.isEmpty()
                                ? "not measured"
                                : median(withArchive, Start::doneMillis) <= 1_000 ? "met" : "**missed**",
                        spread(withoutArchive, Start::healthMillis),
                        spread(withoutArchive, Start::firstByteMillis),
                        spread(withoutArchive, Start::doneMillis),
                        clients,
                        chunkDelay.toMillis(),
                        seconds,
                        idleKb / 1024,
                        peakKb / 1024,
                        peakKb > 0 && peakKb / 1024 <= 300 ? "met" : "**missed**",
                        outcome.routerCpuMillisPerStream(),
                        outcome.routerCpuMillisPerStream() <= 0.5 ? "met" : "**missed**",
                        outcome.done(),
                        outcome.failed(),
                        parkedInLoad,
                        outcome.byThreads().entrySet().stream()
                                .map(e -> String.format(
                                        Locale.ROOT,
                                        "%s %.2f ms",
                                        THREAD_GROUPS.getOrDefault(e.getKey(), "`" + e.getKey() + "`"),
                                        e.getValue()))
                                .collect(Collectors.joining(", ")));
    }

    private static String spread(List<Start> starts, ToLongFunction<Start> measure) {
        if (starts.isEmpty()) {
            return "–";
        }
        return median(starts, measure) + " / "
                + starts.stream().mapToLong(measure).max().orElseThrow();
    }

    private static long median(List<Start> starts, ToLongFunction<Start> measure) {
        long[] values = starts.stream().mapToLong(measure).sorted().toArray();
        return values[values.length / 2];
    }
}
