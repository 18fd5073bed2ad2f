package dev.sluice.router;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.LocalDynamoDb;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Makes the router's class-data archive at package time ({@code lib/router.jsa} in the Lambda zip, see the module
 * README): the shaded jar is started as {@code run.sh} starts it, with {@code -XX:ArchiveClassesAtExit}, serves the
 * kinds of request a gateway serves (a streamed and a whole chat completion through the OpenAI-compatible adapter, a
 * streamed Anthropic message and the model list on the demo model, a refused key, a malformed body) against DynamoDB
 * Local and a loopback fake upstream, and is stopped with SIGTERM; at exit the JVM writes every class it loaded that the
 * JDK's own archive does not hold. A JVM started with that archive maps those classes instead of loading, verifying and
 * linking them from the jar: the router's first request is served in about half the time (README, "Start").
 *
 * <p>The archive is usable only by the JVM build that made it, so the JDK's {@code release} identity is written beside
 * it ({@code router.jsa.jdk}) and {@code run.sh} passes the archive only when the running JDK's matches: another JVM
 * would reject it and, with it, the JDK's own archive, and start slower than with none.
 *
 * <p>The archive always lands in {@code target/cds/} (tests and benchmarks use it), and in the zip only when the build's
 * JDK is the kind Lambda's {@code java21} runtime runs, Amazon Corretto 21 ({@code -Dsluice.cds=auto}, the default;
 * {@code on} puts it there anyway, {@code off} makes none). Run by exec-maven-plugin in the router's {@code package}
 * phase, between the shade and the zip: {@code ClassDataArchiveTraining <shaded jar> <archive>
 * <project.build.outputTimestamp> <auto|on|off> <the zip's lib/ source>}. Everything listens on 127.0.0.1; the run is bounded by
 * {@link #DEADLINE}.
 */
public final class ClassDataArchiveTraining {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    /** The lines of a JDK's {@code release} file that identify its build; {@code run.sh} compares the same lines. */
    static final List<String> RELEASE_IDENTITY = List.of("IMPLEMENTOR=", "JAVA_RUNTIME_VERSION=");

    private ClassDataArchiveTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5 || !List.of("auto", "on", "off").contains(args[3])) {
            System.err.println("usage: ClassDataArchiveTraining <shaded router jar> <archive to write>"
                    + " <the zip's entry time> <auto|on|off> <directory the zip takes lib/ files from>");
            System.exit(2);
        }
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path archive = Path.of(args[1]).toAbsolutePath();
        String mode = args[3];
        Path zipLib = Path.of(args[4]).toAbsolutePath();
        Path identity = identityFile(archive);
        for (Path stale : List.of(
                archive,
                identity,
                zipLib.resolve(archive.getFileName()),
                identityFile(zipLib.resolve(archive.getFileName())))) {
            Files.deleteIfExists(stale);
        }
        if (mode.equals("off")) {
            System.out.println("Class-data archive: not made (sluice.cds=off)");
            System.exit(0);
        }
        // The archive records the jar's size and modification time, and a JVM that finds either changed does not map
        // it (JDK 21 compares both). The zip gives every entry the build's output timestamp, and unzip restores it:
        // the jar is trained with that time so that the unpacked jar matches.
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse(args[2])));
        Files.createDirectories(archive.getParent());
        long started = System.nanoTime();
        train(jar, archive);
        if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
            throw new IllegalStateException("the router's JVM wrote no class-data archive at " + archive);
        }
        String jdk = jdkIdentity(Path.of(System.getProperty("java.home")));
        Files.writeString(identity, jdk, StandardCharsets.UTF_8);
        // In the zip only when Lambda's java21 runtime could map it: an archive for another JDK would be 11 MB that
        // every cold start downloads and run.sh leaves out.
        boolean inZip = mode.equals("on") || isLambdaJava21(jdk);
        if (inZip) {
            Files.createDirectories(zipLib);
            Files.copy(archive, zipLib.resolve(archive.getFileName()));
            Files.copy(identity, identityFile(zipLib.resolve(archive.getFileName())));
        }
        System.out.printf(
                "Class-data archive %s: %d MB, made in %d ms by %s; %s%n",
                archive,
                Files.size(archive) >> 20,
                (System.nanoTime() - started) / 1_000_000,
                jdk.replace('\n', ' ').strip(),
                inZip
                        ? "in the Lambda zip"
                        : "not in the Lambda zip: Lambda's java21 runtime (Amazon Corretto 21) could not map it"
                                + " (-Dsluice.cds=on puts it there anyway)");
        System.exit(0); // DynamoDB Local's and the fake upstream's worker threads would keep this JVM for minutes
    }

    /** Whether a JDK identity is the kind Lambda's {@code java21} runtime runs: Amazon Corretto 21. */
    static boolean isLambdaJava21(String jdkIdentity) {
        return jdkIdentity.contains("IMPLEMENTOR=\"Amazon.com Inc.\"")
                && jdkIdentity.contains("JAVA_RUNTIME_VERSION=\"21.");
    }

    static Path identityFile(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".jdk");
    }

    /** The {@link #RELEASE_IDENTITY} lines of {@code javaHome/release}, in the file's order, newline-terminated. */
    static String jdkIdentity(Path javaHome) throws IOException {
        Path release = javaHome.resolve("release");
        String lines = Files.readAllLines(release).stream()
                .filter(line -> RELEASE_IDENTITY.stream().anyMatch(line::startsWith))
                .collect(Collectors.joining("\n"));
        if (lines.lines().count() != RELEASE_IDENTITY.size()) {
            throw new IllegalStateException(release + " does not name its implementor and runtime version");
        }
        return lines + "\n";
    }

    private static void train(Path jar, Path archive) throws Exception {
        TableNames tables = TableNames.fromEnvironment(Map.of());
        try (LocalDynamoDb dynamoDb = LocalDynamoDb.start();
                FakeUpstream upstream = FakeUpstream.start()) {
            String key = ApiKeys.newKey();
            try (DynamoDbClient dynamo = dynamoDb.newClient()) {
                SluiceTables.createAll(dynamo, tables);
                DynamoDbRouteRepository routes = new DynamoDbRouteRepository(dynamo, tables.routes());
                Pricing pricing = new Pricing(500_000, 1_500_000, 0);
                routes.put(new Route(
                        "demo",
                        List.of(new Deployment(DemoProvider.TYPE, "sluice-demo-1", null, null, pricing, null))));
                routes.put(new Route(
                        "upstream",
                        List.of(new Deployment(
                                "openai-compatible",
                                "fake-model",
                                upstream.baseUrl().toString(),
                                null,
                                pricing,
                                null))));
                String hash = ApiKeys.sha256Hex(key);
                new DynamoDbKeyRepository(dynamo, tables.keys())
                        .put(
                                hash,
                                new ApiKey(
                                        ApiKeys.keyIdFor(hash),
                                        "training",
                                        "class-data training",
                                        ApiKey.Role.APP,
                                        ApiKey.Status.ACTIVE,
                                        Set.of(),
                                        new Limits(10_000, 10_000_000, 100, 100_000_000, 1_000_000_000),
                                        null));
            }
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            // run.sh's flags: the archive records them, and a JVM started otherwise may not map it
                            "-XX:+TieredCompilation",
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-XX:ArchiveClassesAtExit=" + archive,
                            "-cp",
                            jar.toString(),
                            "dev.sluice.router.RouterMain")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Map<String, String> env = builder.environment();
            env.put("PORT", Integer.toString(port));
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "training");
            env.put("AWS_SECRET_ACCESS_KEY", "training");
            env.put("SLUICE_AWS_EMULATOR", "true");
            env.put("SLUICE_DYNAMODB_ENDPOINT", dynamoDb.endpoint().toString());
            // Nothing listens on port 9: usage events take the outbox fallback, Secrets Manager is not needed.
            env.put("SLUICE_KINESIS_ENDPOINT", "http://127.0.0.1:9");
            env.put("SLUICE_SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:9");
            // The SnapStart priming steps too: TLS and the tokenizer, which loopback requests do not reach.
            env.put("SLUICE_PRIME_ON_START", "true");
            Process router = builder.start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                requests(base, key, router, System.nanoTime() + DEADLINE.toNanos());
            } finally {
                router.destroy(); // SIGTERM: the shutdown hooks run, then the JVM writes the archive
                if (!router.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                    router.destroyForcibly();
                    throw new IllegalStateException("the router did not exit within " + DEADLINE);
                }
            }
        }
    }

    private static void requests(URI base, String key, Process router, long deadlineNanos) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        while (!answers(http, HttpRequest.newBuilder(base.resolve("/healthz")).build())) {
            if (!router.isAlive() || System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("the router did not answer /healthz (exit: "
                        + (router.isAlive() ? "still running" : router.exitValue()) + ")");
            }
            Thread.sleep(20);
        }
        String chat = "{\"model\":\"%s\",\"stream\":%s,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Train the class-data archive.\"}]}";
        Map<String, String> openAi = Map.of("Authorization", "Bearer " + key);
        Map<String, String> anthropic = Map.of("x-api-key", key, "anthropic-version", "2023-06-01");
        String message = "{\"model\":\"demo\",\"max_tokens\":32,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Train.\"}]}";
        // Twice each: the second request takes the paths of a warm instance (cached key and route, open connections).
        for (int round = 0; round < 2; round++) {
            expect(http, base.resolve("/v1/chat/completions"), openAi, chat.formatted("upstream", true), 200);
            expect(http, base.resolve("/v1/chat/completions"), openAi, chat.formatted("upstream", false), 200);
            expect(http, base.resolve("/v1/chat/completions"), openAi, chat.formatted("demo", true), 200);
            expect(http, base.resolve("/v1/messages"), anthropic, message, 200);
        }
        Map<String, String> unknownKey = Map.of("Authorization", "Bearer sk-sluice-unknown");
        expect(http, base.resolve("/v1/chat/completions"), unknownKey, chat.formatted("demo", true), 401);
        expect(http, base.resolve("/v1/chat/completions"), openAi, "{\"model\":", 400);
        HttpResponse<String> models = http.send(
                HttpRequest.newBuilder(base.resolve("/v1/models"))
                        .header("Authorization", "Bearer " + key)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        check(models.statusCode() == 200, "/v1/models answered " + models.statusCode());
    }

    private static void expect(HttpClient http, URI uri, Map<String, String> headers, String body, int status)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        check(
                response.statusCode() == status,
                uri.getPath() + " answered " + response.statusCode() + " where " + status + " was expected: "
                        + response.body());
    }

    private static boolean answers(HttpClient http, HttpRequest request) throws InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYetListening) {
            return false;
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
