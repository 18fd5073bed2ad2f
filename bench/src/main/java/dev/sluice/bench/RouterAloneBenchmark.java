package dev.sluice.bench;

import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.testing.FakeUpstream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The router's memory in a process of its own, as Lambda runs it ({@code functions/router}'s shaded jar, {@code
 * RouterMain}, the Lambda {@code run.sh} flags with a fixed heap), under {@code clients} concurrent streams: the
 * dev stack (started here) lends it DynamoDB Local with its tables and a key, a loopback fake upstream streams 50
 * chunks 10 ms apart, and the router's {@code VmRSS} is sampled from {@code /proc} every 100 ms. Kinesis is not
 * emulated here, so every usage event goes to the outbox table, the router's fallback. Everything on 127.0.0.1,
 * bounded by the run's seconds and 500 requests per client. {@code bench/router-alone.sh > router-alone.md}.
 */
public final class RouterAloneBenchmark {
    static final String USAGE = """
            usage: bench/router-alone.sh [--clients N] [--seconds N] [--heap SIZE]
              --clients N   concurrent streaming clients (default 128)
              --seconds N   how long they stream (default 20)
              --heap SIZE   the router's -Xmx (default 128m)
            """;

    public static void main(String[] args) throws Exception {
        int clients = 128;
        int seconds = 20;
        String heap = "128m";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--heap" -> heap = args[++i];
                default -> {
                    System.err.print(USAGE);
                    System.exit(2);
                }
            }
        }
        Path jar = routerJar();
        StreamingBenchmark.useBenchLogging();
        try (FakeUpstream upstream = FakeUpstream.start();
                DevStack stack = DevStack.start(
                        DevOptions.defaults(Map.of()).withPorts(0, 0).withDemoDelay(Duration.ZERO))) {
            String[] pieces = new String[50];
            for (int i = 0; i < pieces.length; i++) {
                pieces[i] = " word" + i;
            }
            upstream.streamContent(pieces);
            upstream.reportUsage(12, pieces.length);
            upstream.delayBetweenChunks(Duration.ofMillis(10)); // half-second streams: the clients' streams overlap
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
            int port = freePort();
            List<String> command = List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-Xmx" + heap,
                    "-cp",
                    jar.toString(),
                    "dev.sluice.router.RouterMain");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            Map<String, String> env = builder.environment();
            env.put("PORT", Integer.toString(port));
            env.put("SLUICE_DYNAMODB_ENDPOINT", stack.dynamoDbEndpoint().toString());
            env.put("SLUICE_AWS_EMULATOR", "true");
            env.put("SLUICE_KINESIS_ENDPOINT", "http://127.0.0.1:9"); // refused: usage goes to the outbox
            env.put("SLUICE_SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:9");
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "local");
            env.put("AWS_SECRET_ACCESS_KEY", "local");
            long launched = System.nanoTime();
            Process router = builder.start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                long readyMillis = waitForHealth(base, launched);
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
                int[] outcome = load(base, key, clients, seconds);
                sampler.interrupt();
                peakKb.accumulateAndGet(ProcessStats.rssKilobytes(router.pid()), Math::max);
                System.out.print(report(clients, seconds, heap, readyMillis, idleKb, peakKb.get(), outcome));
            } finally {
                router.destroy();
                router.waitFor();
            }
        }
        System.exit(0);
    }

    private static Path routerJar() throws IOException {
        try (var files = Files.list(Path.of("functions", "router", "target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-lambda.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("build the router first: bench/router-alone.sh does"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static long waitForHealth(URI base, long launchedNanos) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = launchedNanos + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(
                                        HttpRequest.newBuilder(base.resolve("/healthz"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return (System.nanoTime() - launchedNanos) / 1_000_000;
                }
            } catch (IOException notYet) {
                Thread.sleep(10);
            }
        }
        throw new IllegalStateException("the router did not answer /healthz within 30 s");
    }

    /** Completed and failed streams. */
    private static int[] load(URI base, String key, int clients, int seconds) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
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
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"model\":\"alone\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
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
        for (Thread thread : threads) {
            thread.join();
        }
        return new int[] {done.get(), failed.get()};
    }

    private static String report(
            int clients, int seconds, String heap, long readyMillis, long idleKb, long peakKb, int[] outcome) {
        return """
                ## The router alone: memory under concurrent streams

                `bench/router-alone.sh`: the router's shaded jar in its own JVM (`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx%s`, \
                as Lambda's `run.sh` with a fixed heap), DynamoDB Local from the dev stack, a loopback fake upstream streaming \
                50 chunks 10 ms apart; Kinesis not emulated, so usage goes to the outbox table.

                | measure | value | target |
                |---|--:|---|
                | JVM start to the first `GET /healthz` | %d ms | ≤ 1,000 ms to the first request |
                | RSS idle, after start | %d MB | |
                | peak RSS, %d clients for %d s | %d MB | ≤ 300 MB: %s |
                | streams completed to `[DONE]` / failed | %d / %d | |
                """.formatted(
                        heap,
                        readyMillis,
                        idleKb / 1024,
                        clients,
                        seconds,
                        peakKb / 1024,
                        peakKb > 0 && peakKb / 1024 <= 300 ? "met" : "**missed**",
                        outcome[0],
                        outcome[1]);
    }
}
