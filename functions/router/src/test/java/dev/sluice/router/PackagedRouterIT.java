package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.json.Json;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.FakeSecretsManager;
import dev.sluice.testing.KinesisEmulator;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RouterLambdaZip;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The deployment zip, run the way Lambda runs it under the AWS Lambda Web Adapter: unpacked into a task root with the
 * file modes the zip records, {@code run.sh} executed (so a missing exec bit fails here as it would on Lambda) with
 * the adapter's environment, readiness polled on {@code GET /healthz}, the two SnapStart hooks POSTed empty, then
 * streamed requests read off the socket chunk by chunk, as the adapter's HTTP client reads them before it streams
 * them on. Behind the router: DynamoDB Local (tables from {@link SluiceTables}, a demo route and key), the Kinesis
 * emulator (when node is installed; otherwise an endpoint where nothing listens, and usage publishing failures are
 * only logged) and the Secrets Manager fake.
 *
 * <p>Runs in failsafe after {@code package}: {@code ./mvnw -pl functions/router -am verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=PackagedRouterIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedRouterIT {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int SOCKET_TIMEOUT_MS = 15_000;
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static Path zip;
    private static Path taskRoot;
    private static Path routerLog;
    private static Process router;
    private static int port;
    private static long startToReadyMillis;
    private static LocalDynamoDb dynamoDb;
    private static KinesisEmulator kinesis;
    private static FakeSecretsManager secrets;
    private static String usageStream;
    private static TableNames tables;
    private static URI kinesisEndpoint;
    private static String key;

    @BeforeAll
    static void startPackagedRouter() throws Exception {
        zip = Path.of(System.getProperty("sluice.router.zip", "target/sluice-router-lambda.zip"))
                .toAbsolutePath();
        assertThat(zip).as("run ./mvnw package first").isRegularFile();
        taskRoot = RouterLambdaZip.unpack(zip);
        RouterLambdaZip.addClassDataArchive(zip, taskRoot); // none with -Dsluice.cds=off: its tests are skipped

        dynamoDb = LocalDynamoDb.start();
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("packaged") + "-");
        try (DynamoDbClient dynamo = dynamoDb.newClient()) {
            SluiceTables.createAll(dynamo, tables);
            new DynamoDbRouteRepository(dynamo, tables.routes())
                    .put(new Route(
                            "demo",
                            List.of(new Deployment(
                                    DemoProvider.TYPE,
                                    "sluice-demo-1",
                                    null,
                                    null,
                                    new Pricing(500_000, 1_500_000, 0),
                                    null))));
            key = ApiKeys.newKey();
            String hash = ApiKeys.sha256Hex(key);
            new DynamoDbKeyRepository(dynamo, tables.keys())
                    .put(
                            hash,
                            new ApiKey(
                                    ApiKeys.keyIdFor(hash),
                                    "demo",
                                    "packaged-it",
                                    ApiKey.Role.APP,
                                    ApiKey.Status.ACTIVE,
                                    Set.of(),
                                    Limits.NONE,
                                    null));
        }
        secrets = FakeSecretsManager.start();
        usageStream = LocalDynamoDb.uniqueName("packaged-usage");
        if (KinesisEmulator.isAvailable()) {
            kinesis = KinesisEmulator.shared(); // the embedded emulator, or the one configured for the tests
            kinesis.createStream(usageStream, 1);
            kinesisEndpoint = kinesis.endpoint();
        } else {
            kinesisEndpoint = URI.create("http://127.0.0.1:" + freePort()); // nothing listens: publishing fails
        }

        port = freePort();
        routerLog = taskRoot.resolveSibling(taskRoot.getFileName() + ".log");
        ProcessBuilder builder = new ProcessBuilder(taskRoot.resolve("run.sh").toString())
                .directory(taskRoot.toFile())
                .redirectErrorStream(true)
                .redirectOutput(routerLog.toFile());
        Map<String, String> env = builder.environment();
        env.clear(); // what Lambda gives the function, not this JVM's environment
        env.putAll(adapterEnvironment(tables, kinesisEndpoint));
        long started = System.nanoTime();
        router = builder.start();
        Process started0 = router;
        // A killed test JVM must not leave the router behind (run.sh exec's java, so it is this process).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started0.descendants().forEach(ProcessHandle::destroyForcibly);
            started0.destroyForcibly();
        }));
        awaitReady(started);
        Thread.sleep(100);
        // The port was free when chosen; had another process taken it since, our router would have failed to bind.
        assertThat(router.isAlive()).as("the router owns port " + port).isTrue();
        startToReadyMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf(
                Locale.ROOT,
                "PackagedRouterIT: process start -> GET /healthz 200 in %d ms (zip %d bytes," + " Kinesis %s)%n",
                startToReadyMillis,
                Files.size(zip),
                kinesis == null ? "absent" : "emulator");
    }

    /** The environment the function configuration and the adapter give the router on Lambda (see README). */
    private static Map<String, String> adapterEnvironment(TableNames tables, URI kinesisEndpoint) {
        Map<String, String> env = new LinkedHashMap<>();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        env.put("PATH", javaBin + ":/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("TZ", "UTC");
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("AWS_LAMBDA_EXEC_WRAPPER", "/opt/bootstrap");
        env.put("AWS_LWA_INVOKE_MODE", "response_stream");
        env.put("AWS_LWA_PORT", Integer.toString(port));
        env.put("AWS_LWA_READINESS_CHECK_PATH", "/healthz");
        env.put("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", RouterServer.BEFORE_CHECKPOINT_PATH);
        env.put("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", RouterServer.AFTER_RESTORE_PATH);
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("SLUICE_KEYS_TABLE", tables.keys());
        env.put("SLUICE_TENANTS_TABLE", tables.tenants());
        env.put("SLUICE_ROUTES_TABLE", tables.routes());
        env.put("SLUICE_COUNTERS_TABLE", tables.counters());
        env.put("SLUICE_USAGE_TABLE", tables.usage());
        env.put("SLUICE_OUTBOX_TABLE", tables.outbox());
        env.put("SLUICE_USAGE_STREAM", usageStream);
        env.put("SLUICE_AWS_EMULATOR", "true");
        env.put("SLUICE_DYNAMODB_ENDPOINT", dynamoDb.endpoint().toString());
        env.put("SLUICE_KINESIS_ENDPOINT", kinesisEndpoint.toString());
        env.put("SLUICE_SECRETSMANAGER_ENDPOINT", secrets.endpoint().toString());
        return env;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (router != null) {
                router.destroy(); // SIGTERM: run.sh exec'd java, whose shutdown hook closes the server
                if (!router.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    router.destroyForcibly();
                    router.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            }
            if (routerLog != null && Files.exists(routerLog)) {
                System.out.println("---- router log ----");
                System.out.println(Files.readString(routerLog));
                Files.delete(routerLog);
            }
        } finally {
            if (secrets != null) {
                secrets.close();
            }
            if (dynamoDb != null) {
                dynamoDb.close();
            }
            RouterLambdaZip.delete(taskRoot);
        }
    }

    @Test
    @Order(1)
    void zip_holdsExecutableRunShTheShadedJar_andTheClassDataArchiveOnlyForLambdasJdk() throws IOException {
        Map<String, Integer> modes = RouterLambdaZip.unixModes(zip);
        List<String> files =
                modes.keySet().stream().filter(name -> !name.endsWith("/")).toList();
        // The build's JDK made the archive, and the build's JDK runs these tests.
        String jdk = ClassDataArchiveTraining.jdkIdentity(Path.of(System.getProperty("java.home")));

        assertThat(files)
                .contains("run.sh")
                .anySatisfy(name -> assertThat(name).matches("lib/sluice-router-[^/]+-lambda\\.jar"));
        if (ClassDataArchiveTraining.isLambdaJava21(jdk)) {
            assertThat(files).hasSize(4).contains("lib/router.jsa", "lib/router.jsa.jdk");
        } else {
            assertThat(files)
                    .as("an archive Lambda's java21 runtime cannot map stays out")
                    .hasSize(2);
        }
        assertThat(modes.get("run.sh") & 0777).as("run.sh mode").isEqualTo(0755);
        assertThat(Files.isExecutable(taskRoot.resolve("run.sh"))).isTrue();
        assertThat(startToReadyMillis).isLessThan(READY_TIMEOUT.toMillis());
        if (Files.exists(taskRoot.resolve("lib/router.jsa.jdk"))) {
            assertThat(Files.readString(taskRoot.resolve("lib/router.jsa.jdk"))).isEqualTo(jdk);
        }
    }

    @Test
    @Order(8)
    @Timeout(60)
    void classDataArchive_isMappedByRunSh_forTheJdkThatMadeIt() throws Exception {
        assumeTrue(Files.exists(taskRoot.resolve("lib/router.jsa")), "packaged with -Dsluice.cds=off");
        String classLoading = runShUntilConfigFails(taskRoot);

        assertThat(classLoading)
                .contains("dev.sluice.router.RouterMain source: shared objects file")
                .doesNotContain("[warning][cds]", "[error][cds]");
    }

    @Test
    @Order(9)
    @Timeout(60)
    void classDataArchive_isLeftOutForAnotherJdk_soTheJdksOwnArchiveStillServes() throws Exception {
        assumeTrue(Files.exists(taskRoot.resolve("lib/router.jsa")), "packaged with -Dsluice.cds=off");
        // Another JVM build would reject the archive and the JDK's own archive with it: run.sh must not pass it.
        Path otherJdk = Files.createTempDirectory("sluice-task-root-other-jdk");
        try {
            Files.createDirectories(otherJdk.resolve("lib"));
            Files.copy(taskRoot.resolve("run.sh"), otherJdk.resolve("run.sh"), StandardCopyOption.COPY_ATTRIBUTES);
            try (Stream<Path> lib = Files.list(taskRoot.resolve("lib"))) {
                for (Path file : lib.toList()) {
                    Files.copy(
                            file,
                            otherJdk.resolve("lib").resolve(file.getFileName()),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            Files.writeString(
                    otherJdk.resolve("lib/router.jsa.jdk"),
                    "IMPLEMENTOR=\"Another vendor\"\nJAVA_RUNTIME_VERSION=\"21.0.1+12-LTS\"\n");

            String classLoading = runShUntilConfigFails(otherJdk);

            assertThat(classLoading)
                    .contains("dev.sluice.router.RouterMain source: file:")
                    .contains("java.lang.Object source: shared objects file")
                    .doesNotContain("[error][cds]");
        } finally {
            RouterLambdaZip.delete(otherJdk);
        }
    }

    /**
     * Runs a task root's {@code run.sh} with class loading logged and a port that is not a number: the router's JVM
     * loads {@code RouterMain}, fails on its configuration and exits. Returns what it printed.
     */
    private static String runShUntilConfigFails(Path root) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("run.sh").toString())
                .directory(root.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/bin:/usr/bin:/bin");
        env.put("LAMBDA_TASK_ROOT", root.toString());
        env.put("AWS_LWA_PORT", "not-a-port");
        env.put("SLUICE_JVM_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:class+load=info,cds=warning");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isNotZero();
        return output;
    }

    @Test
    @Order(2)
    @Timeout(60)
    void snapStartHooks_answer200ToTheAdaptersEmptyPosts_andPrimingSucceeds() throws Exception {
        HttpResponse<String> before = emptyPost(RouterServer.BEFORE_CHECKPOINT_PATH);
        HttpResponse<String> after = emptyPost(RouterServer.AFTER_RESTORE_PATH);

        assertThat(before.statusCode()).isEqualTo(200);
        JsonNode primed = Json.read(before.body()).get("hooks");
        assertThat(primed.findValuesAsText("name"))
                .containsExactly(
                        "prime-json",
                        "prime-tls",
                        "prime-pipeline",
                        "prime-tokenizer",
                        "prime-aws-sdk",
                        "close-BedrockProvider",
                        "close-BedrockGuardrails");
        assertThat(primed.findValuesAsText("ok")).containsOnly("true");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(Json.read(after.body()).get("hooks").findValuesAsText("name"))
                .containsExactly("close-BedrockProvider", "close-BedrockGuardrails", "reseed-request-ids");
        // The adapter checks readiness again after the restore hook.
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    @Timeout(30)
    void chatCompletions_stream_arrivesOneSseEventPerHttpChunk_andEndsWithDone() throws Exception {
        RawResponse response = post("/v1/chat/completions", Map.of("Authorization", "Bearer " + key), """
                {"model":"demo","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"Say hello from the packaged router"}]}""");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("content-type")).startsWith("text/event-stream");
        assertThat(response.header("transfer-encoding")).isEqualToIgnoringCase("chunked");
        assertThat(response.header("x-request-id")).matches("req_[0-9a-f]{32}");
        List<String> events = response.events();
        assertThat(events.size()).isGreaterThan(4);
        assertThat(response.chunks())
                .as("one flush per event")
                .hasSameSizeAs(events)
                .allSatisfy(chunk -> assertThat(chunk).startsWith("data: ").endsWith("\n\n"));
        assertThat(Json.read(events.getFirst().substring(6))
                        .at("/choices/0/delta/role")
                        .asText())
                .isEqualTo("assistant");
        assertThat(events.getLast()).isEqualTo("data: [DONE]");
        assertThat(response.chunks().getLast()).isEqualTo("data: [DONE]\n\n");
        JsonNode usage = Json.read(events.get(events.size() - 2).substring(6)).get("usage");
        assertThat(usage.path("completion_tokens").asLong()).isPositive();
    }

    @Test
    @Order(4)
    @Timeout(30)
    void messages_stream_arrivesEventByEvent_fromMessageStartToMessageStop() throws Exception {
        RawResponse response = post("/v1/messages", Map.of("x-api-key", key, "anthropic-version", "2023-06-01"), """
                {"model":"demo","max_tokens":64,"stream":true,
                 "messages":[{"role":"user","content":"Stream a message from the packaged router"}]}""");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("content-type")).startsWith("text/event-stream");
        assertThat(response.header("transfer-encoding")).isEqualToIgnoringCase("chunked");
        List<String> types = response.events().stream()
                .map(event -> event.lines().findFirst().orElse(""))
                .toList();
        assertThat(types.getFirst()).isEqualTo("event: message_start");
        assertThat(types).contains("event: content_block_delta", "event: message_delta");
        assertThat(types.getLast()).isEqualTo("event: message_stop");
        assertThat(response.body()).doesNotContain("[DONE]");
        assertThat(response.chunks())
                .as("one flush per event")
                .hasSameSizeAs(response.events())
                .allSatisfy(chunk -> assertThat(chunk).startsWith("event: ").endsWith("\n\n"));
    }

    @Test
    @Order(5)
    @Timeout(30)
    void unknownKey_is401FromTheKeysTable() throws Exception {
        RawResponse response = post(
                "/v1/chat/completions",
                Map.of("Authorization", "Bearer sk-sluice-unknown"),
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.status()).isEqualTo(401);
        assertThat(Json.read(response.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    @Order(6)
    @Timeout(60)
    void usageOfBothStreams_reachesTheKinesisStream() {
        assumeThat(kinesis)
                .as("node and npm are needed for the Kinesis emulator")
                .isNotNull();

        List<Record> records = kinesis.readAll(usageStream, Duration.ofSeconds(20), 2);

        List<UsageEvent> events = records.stream()
                .map(r -> UsageEventCodec.decode(r.data().asByteArray()))
                .toList();
        assertThat(events).hasSize(2).allSatisfy(event -> {
            assertThat(event.tenantId()).isEqualTo("demo");
            assertThat(event.status()).isEqualTo(UsageEvent.OK);
            assertThat(event.completionTokens()).isPositive();
        });
    }

    @Test
    @Order(7)
    @Timeout(60)
    void outboxReplayHandler_fromTheShadedJarAlone_drainsTheOutboxIntoTheStream() throws Exception {
        UsageEvent parked = new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_parked",
                System.currentTimeMillis(),
                "demo",
                "key_1",
                "demo",
                "demo",
                "sluice-demo-1",
                3,
                4,
                0,
                0,
                7,
                10,
                2,
                UsageEvent.OK,
                200,
                true,
                false,
                false);
        String replayStream = LocalDynamoDb.uniqueName("packaged-replay");
        if (kinesis != null) {
            kinesis.createStream(replayStream, 1);
        }
        Map<String, String> env = new LinkedHashMap<>(adapterEnvironment(tables, kinesisEndpoint));
        env.put("SLUICE_USAGE_STREAM", replayStream);
        try (DynamoDbClient dynamo = dynamoDb.newClient()) {
            new DynamoDbUsageOutbox(dynamo, tables.outbox(), Clock.systemUTC()).park(parked);
        }
        Path jar;
        try (Stream<Path> libs = Files.list(taskRoot.resolve("lib"))) {
            jar = libs.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }

        Object result;
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> handlerType = loader.loadClass("dev.sluice.router.OutboxReplayHandler");
            assertThat(loader.loadClass("com.amazonaws.services.lambda.runtime.RequestHandler"))
                    .isAssignableFrom(handlerType);
            Object handler = handlerType.getConstructor(Map.class).newInstance(env);
            Method handle = handlerType.getMethod(
                    "handleRequest", Map.class, loader.loadClass("com.amazonaws.services.lambda.runtime.Context"));
            result = handle.invoke(handler, Map.of("source", "aws.events"), null);
        }

        if (kinesis == null) {
            assertThat(result).isEqualTo(Map.of("replayed", 0, "refused", 1, "empty", false));
            return;
        }
        assertThat(result).isEqualTo(Map.of("replayed", 1, "refused", 0, "empty", true));
        assertThat(kinesis.readAll(replayStream, Duration.ofSeconds(20), 1))
                .extracting(r -> UsageEventCodec.decode(r.data().asByteArray()))
                .containsExactly(parked);
    }

    // ---- the router process ------------------------------------------------------------------------------------

    private static void awaitReady(long startedNanos) throws Exception {
        long deadline = startedNanos + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!router.isAlive()) {
                throw new AssertionError(
                        "the router exited with " + router.exitValue() + ":\n" + Files.readString(routerLog));
            }
            try {
                if (get("/healthz").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // the adapter retries too
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no GET /healthz 200 within " + READY_TIMEOUT + ":\n" + Files.readString(routerLog));
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(
                HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the adapter sends for a SnapStart hook: a POST with no body and no content type. */
    private static HttpResponse<String> emptyPost(String path) throws IOException, InterruptedException {
        return CLIENT.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // ---- HTTP/1.1 by hand, keeping the chunk boundaries an HTTP client library hides -------------------------------

    /** A response with its body as the HTTP chunks it arrived in. */
    private record RawResponse(int status, Map<String, String> headers, List<String> chunks) {
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        String body() {
            return String.join("", chunks);
        }

        /** SSE events, without their blank-line terminators. */
        List<String> events() {
            return Arrays.stream(body().split("\n\n"))
                    .filter(event -> !event.isBlank())
                    .toList();
        }
    }

    private static RawResponse post(String path, Map<String, String> headers, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(SOCKET_TIMEOUT_MS);
            StringBuilder head = new StringBuilder()
                    .append("POST ")
                    .append(path)
                    .append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\n")
                    .append("Content-Type: application/json\r\n")
                    .append("Content-Length: ")
                    .append(body.length)
                    .append("\r\n")
                    .append("Connection: close\r\n");
            headers.forEach((name, value) ->
                    head.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    private static RawResponse read(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip());
        }
        List<String> chunks = new ArrayList<>();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
                if (size == 0) {
                    line(in); // the blank line after the last chunk
                    break;
                }
                chunks.add(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                assertThat(line(in)).as("chunk terminator").isEmpty();
            }
        } else {
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            chunks.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }
        return new RawResponse(status, headers, chunks);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
