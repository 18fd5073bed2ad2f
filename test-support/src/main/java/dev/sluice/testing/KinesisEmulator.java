package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The Kinesis emulator kinesis-local (kinesis-mock compiled to JavaScript, npm {@code kinesis-local@0.6.2}) running on
 * node, plain HTTP on 127.0.0.1 and a random port.
 *
 * <p>It speaks the real Kinesis wire protocol, JSON and CBOR, so the SDK client is used unmodified. The package is
 * pinned by the committed {@code test-support/kinesis/package-lock.json} and installed with {@code npm ci} on first
 * use. kinesis-local binds every interface and has no host option, so node starts with the committed preload {@code
 * bind-loopback.js}, which forces every listen onto 127.0.0.1 and exits node when the JVM that started it is gone. The
 * emulator ignores SIGTERM for a while, so it is stopped with a forcible kill.
 *
 * <p>{@link #shared()} can instead point at a Kinesis that is already running, such as LocalStack or Floci on {@code
 * http://localhost:4566}: set the system property {@value #ENDPOINT_PROPERTY} or the environment variable {@value
 * #ENDPOINT_VARIABLE}. Nothing is installed, started or killed then, and {@link #isAvailable()} is true without node.
 */
public final class KinesisEmulator implements AutoCloseable {

    /** System property naming an already running Kinesis endpoint for {@link #shared()}; wins over the variable. */
    public static final String ENDPOINT_PROPERTY = "sluice.test.kinesis.endpoint";

    /** Environment variable naming an already running Kinesis endpoint for {@link #shared()}. */
    public static final String ENDPOINT_VARIABLE = "SLUICE_TEST_KINESIS_ENDPOINT";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ACTIVE_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;

    /** Every simulated control-plane delay set to zero, so streams are ACTIVE as soon as the emulator can say so. */
    private static final List<String> DURATION_SETTINGS = List.of(
            "CREATE_STREAM_DURATION",
            "DELETE_STREAM_DURATION",
            "REGISTER_STREAM_CONSUMER_DURATION",
            "DEREGISTER_STREAM_CONSUMER_DURATION",
            "START_STREAM_ENCRYPTION_DURATION",
            "STOP_STREAM_ENCRYPTION_DURATION",
            "MERGE_SHARDS_DURATION",
            "SPLIT_SHARD_DURATION",
            "UPDATE_SHARD_COUNT_DURATION",
            "UPDATE_STREAM_MODE_DURATION");

    private final Process process;
    private final Path log;
    private final URI endpoint;
    private final KinesisClient client;
    private final boolean shared;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private KinesisEmulator(Process process, Path log, URI endpoint, boolean shared) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
        this.shared = shared;
        this.client = newClient();
    }

    /**
     * Whether {@link #shared()} can be had: an endpoint is configured, or {@code node} and {@code npm} are on the PATH.
     * Tests skip on developer machines without either.
     */
    public static boolean isAvailable() {
        return LocalDynamoDb.configuredEndpoint(ENDPOINT_PROPERTY, ENDPOINT_VARIABLE) != null
                || (onPath("node") && onPath("npm"));
    }

    /** Starts a new emulator (installing the npm package first if needed); the caller closes it. */
    public static KinesisEmulator start() {
        return start(false);
    }

    /**
     * The emulator shared by every test in this JVM, started on first use and killed when the JVM exits; its {@link
     * #close()} does nothing. Name streams with {@link LocalDynamoDb#uniqueName(String)}. When {@value
     * #ENDPOINT_PROPERTY} or {@value #ENDPOINT_VARIABLE} names an endpoint, it is that Kinesis instead.
     */
    public static KinesisEmulator shared() {
        return SharedHolder.INSTANCE;
    }

    /** Whether this is a Kinesis configured by endpoint (LocalStack, Floci, ...) rather than kinesis-local. */
    public boolean isExternal() {
        return process == null;
    }

    /** {@code http://127.0.0.1:<port>}, the emulator's plain-HTTP listener, or the configured endpoint. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * A synchronous SDK v2 client for this emulator (URL-connection HTTP client, us-east-1, dummy credentials). CBOR
     * stays at the SDK default (on): kinesis-local decodes both CBOR and JSON, so no {@code aws.cborEnabled} setting.
     */
    public KinesisClient newClient() {
        return KinesisClient.builder()
                .endpointOverride(endpoint)
                .region(DummyAws.REGION)
                .credentialsProvider(DummyAws.CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** Creates a provisioned stream and returns once it is ACTIVE. */
    public void createStream(String name, int shards) {
        client.createStream(b -> b.streamName(name).shardCount(shards));
        long deadline = System.nanoTime() + ACTIVE_TIMEOUT.toNanos();
        while (true) {
            StreamStatus status = client.describeStreamSummary(b -> b.streamName(name))
                    .streamDescriptionSummary()
                    .streamStatus();
            if (status == StreamStatus.ACTIVE) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + name + " still " + status + " after " + ACTIVE_TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /**
     * Reads every shard of {@code stream} from TRIM_HORIZON until at least {@code expectedCount} records arrived or
     * {@code timeout} passed, and returns what was read (fewer on timeout, so a test's size assertion shows the gap).
     * Records are grouped by shard, in sequence order within each shard.
     */
    public List<Record> readAll(String stream, Duration timeout, int expectedCount) {
        Map<String, String> iterators = new LinkedHashMap<>();
        for (Shard shard : client.listShards(b -> b.streamName(stream)).shards()) {
            iterators.put(
                    shard.shardId(),
                    client.getShardIterator(b -> b.streamName(stream)
                                    .shardId(shard.shardId())
                                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                            .shardIterator());
        }
        List<Record> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records.size() < expectedCount && System.nanoTime() < deadline && !iterators.isEmpty()) {
            int before = records.size();
            for (Map.Entry<String, String> entry : List.copyOf(iterators.entrySet())) {
                GetRecordsResponse response = client.getRecords(b -> b.shardIterator(entry.getValue()));
                records.addAll(response.records());
                if (response.nextShardIterator() == null) {
                    iterators.remove(entry.getKey()); // a closed shard, read to its end
                } else {
                    iterators.put(entry.getKey(), response.nextShardIterator());
                }
            }
            if (records.size() == before) {
                sleep(Duration.ofMillis(50));
            }
        }
        return List.copyOf(records);
    }

    /**
     * Stops the emulator's process where it is (SIGSTOP) until {@link #resume()}: the port stays bound and the kernel
     * still accepts connections, but nothing answers, as a Kinesis that times out; calls already sent are answered, and
     * their records written, after the resume (a caller that gave up on one cannot know whether it was written). Its
     * streams and records are kept: a kill and a restart would lose records it had acknowledged but not yet persisted,
     * which Kinesis itself never does. Only for an emulator started by {@link #start()}.
     */
    public void pause() {
        signal("STOP");
    }

    /** Lets a {@link #pause() paused} emulator run again, on the same port, with everything it held. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (shared || isExternal()) {
            throw new IllegalStateException("only an emulator of its own can be paused: start one with start()");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal kinesis-local", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Kills the emulator and its streams; does nothing for {@link #shared()} (started here or external). */
    @Override
    public void close() {
        if (!shared) {
            stop();
        }
    }

    private void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        client.close();
        if (!isExternal()) {
            kill(process);
            deleteQuietly(log);
        }
    }

    private static KinesisEmulator start(boolean shared) {
        KinesisLocalInstall install = KinesisLocalInstall.ensureInstalled();
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return launch(install, shared);
            } catch (PortTakenException e) {
                // Another process took the free port between probing and binding; try new ports.
                failure = e;
            }
        }
        throw failure;
    }

    private static KinesisEmulator launch(KinesisLocalInstall install, boolean shared) {
        int plainPort = Loopback.freePort();
        int tlsPort = Loopback.freePort();
        Path log;
        Process process;
        try {
            log = Files.createTempFile("sluice-kinesis-local", ".log");
            ProcessBuilder builder = new ProcessBuilder(
                            "node",
                            "-r",
                            install.loopbackPreload().toString(),
                            install.mainScript().toString())
                    .directory(install.directory().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.put("KINESIS_MOCK_PLAIN_PORT", Integer.toString(plainPort));
            env.put("KINESIS_MOCK_TLS_PORT", Integer.toString(tlsPort));
            env.put("KINESIS_MOCK_CERT_PATH", install.certificate().toString());
            DURATION_SETTINGS.forEach(name -> env.put(name, "0ms"));
            env.put("AWS_REGION", DummyAws.REGION.id());
            env.put("SHOULD_PERSIST_DATA", "false");
            env.put("LOAD_DATA_IF_EXISTS", "false");
            env.put("LOG_LEVEL", "WARN");
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node for kinesis-local", e);
        }
        try {
            awaitListening(process, log, plainPort);
        } catch (RuntimeException e) {
            deleteQuietly(log);
            throw e;
        }
        return new KinesisEmulator(process, log, URI.create("http://127.0.0.1:" + plainPort), shared);
    }

    private static void awaitListening(Process process, Path log, int port) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String output = read(log);
                if (output.contains("EADDRINUSE")) {
                    throw new PortTakenException(output);
                }
                throw new IllegalStateException(
                        "kinesis-local exited with " + process.exitValue() + " before listening; output:\n" + output);
            }
            try {
                new Socket(Loopback.ADDRESS, port).close();
                return;
            } catch (IOException notYet) {
                sleep(Duration.ofMillis(50));
            }
        }
        kill(process);
        throw new IllegalStateException("kinesis-local did not listen on 127.0.0.1:" + port + " within " + START_TIMEOUT
                + "; output:\n" + read(log));
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temp file is harmless.
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String output) {
            super("kinesis-local could not bind its port; output:\n" + output);
        }
    }

    private static final class SharedHolder {
        static final KinesisEmulator INSTANCE = startShared();

        private static KinesisEmulator startShared() {
            URI configured = LocalDynamoDb.configuredEndpoint(ENDPOINT_PROPERTY, ENDPOINT_VARIABLE);
            if (configured != null) {
                return new KinesisEmulator(null, null, configured, true);
            }
            KinesisEmulator emulator = start(true);
            Loopback.stopOnExit("kinesis-local", emulator::stop);
            return emulator;
        }
    }
}
