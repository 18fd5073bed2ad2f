package dev.sluice.testing;

import dev.sluice.dynamodblocal.DynamoDbLocalServer;
import java.net.URI;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local (the real engine AWS ships, in memory) served over HTTP on 127.0.0.1 and a random port, for tests.
 *
 * <p>Adapters are tested against a real engine because condition expressions, {@code ADD} and TTL semantics are what
 * they rely on; a mocked client only checks request shapes. The engine itself is started by {@link
 * DynamoDbLocalServer} (module {@code dynamodb-local}, which the dev stack uses too); this class adds what tests need
 * around it: one engine per JVM, unique table names, and an external endpoint instead.
 *
 * <p>Use {@link #shared()} in tests (one engine per JVM, tables named with {@link #uniqueName(String)}), {@link
 * #start()} when a test needs an engine of its own.
 *
 * <p>{@link #shared()} can instead point at a DynamoDB that is already running, such as LocalStack or Floci on {@code
 * http://localhost:4566}: set the system property {@value #ENDPOINT_PROPERTY} or the environment variable {@value
 * #ENDPOINT_VARIABLE}. Nothing is started then, and nothing is stopped; the unique table names keep tests apart on a
 * shared emulator. Without either setting (CI, a plain {@code ./mvnw verify}) the embedded engine is used.
 */
public final class LocalDynamoDb implements AutoCloseable {

    /** System property naming an already running DynamoDB endpoint for {@link #shared()}; wins over the variable. */
    public static final String ENDPOINT_PROPERTY = "sluice.test.dynamodb.endpoint";

    /** Environment variable naming an already running DynamoDB endpoint for {@link #shared()}. */
    public static final String ENDPOINT_VARIABLE = "SLUICE_TEST_DYNAMODB_ENDPOINT";

    private static final AtomicInteger NAME_COUNTER = new AtomicInteger();

    private final DynamoDbLocalServer server;
    private final URI endpoint;
    private final boolean shared;

    private LocalDynamoDb(DynamoDbLocalServer server, URI endpoint, boolean shared) {
        this.server = server;
        this.endpoint = endpoint;
        this.shared = shared;
    }

    /** Starts a new in-memory engine; the caller closes it. */
    public static LocalDynamoDb start() {
        return start(false);
    }

    /**
     * The engine shared by every test in this JVM, started on first use and stopped when the JVM exits; its {@link
     * #close()} does nothing, so a test may use it in try-with-resources without stopping it for the others. When
     * {@value #ENDPOINT_PROPERTY} or {@value #ENDPOINT_VARIABLE} names an endpoint, it is that DynamoDB instead.
     */
    public static LocalDynamoDb shared() {
        return SharedHolder.INSTANCE;
    }

    /** Whether this is a DynamoDB configured by endpoint (LocalStack, Floci, ...) rather than an engine started here. */
    public boolean isExternal() {
        return server == null;
    }

    /**
     * A table (or stream) name no other test in this JVM gets: {@code prefix-<n>-<random hex>}. Uses only characters
     * DynamoDB and Kinesis accept in names.
     */
    public static String uniqueName(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("prefix must match [A-Za-z0-9_.-]+: " + prefix);
        }
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return prefix + "-" + NAME_COUNTER.incrementAndGet() + "-"
                + HexFormat.of().formatHex(random);
    }

    /** {@code http://127.0.0.1:<port>}, or the configured endpoint when {@link #isExternal()}. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * TCP connections the engine has accepted since it started; -1 when {@link #isExternal()}. A client that reuses
     * its connections keeps this near its concurrency however many requests it sends.
     */
    public long connectionsAccepted() {
        return server == null ? -1 : server.connectionsAccepted();
    }

    /** A synchronous SDK v2 client for this engine (URL-connection HTTP client, us-east-1, dummy credentials). */
    public DynamoDbClient newClient() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(DummyAws.REGION)
                .credentialsProvider(DummyAws.CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** Stops the engine and drops its tables; does nothing for {@link #shared()} (embedded or external). */
    @Override
    public void close() {
        if (!shared) {
            stop();
        }
    }

    private void stop() {
        if (!isExternal()) {
            server.close();
        }
    }

    private static LocalDynamoDb start(boolean shared) {
        DynamoDbLocalServer server = DynamoDbLocalServer.start(0);
        return new LocalDynamoDb(server, server.endpoint(), shared);
    }

    /**
     * The endpoint a test run was pointed at: the system property {@code property} if set, else the environment
     * variable {@code variable}, else null. Shared by the engines and fakes of this package.
     *
     * @throws IllegalArgumentException if the value is not an absolute http(s) URL with a host
     */
    static URI configuredEndpoint(String property, String variable) {
        String value = System.getProperty(property);
        String source = "-D" + property;
        if (value == null || value.isBlank()) {
            value = System.getenv(variable);
            source = variable;
        }
        if (value == null || value.isBlank()) {
            return null;
        }
        URI uri;
        try {
            uri = URI.create(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is not a URL: " + value, e);
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException(
                    source + " must be an http(s) URL such as http://localhost:4566: " + value);
        }
        return uri;
    }

    private static final class SharedHolder {
        static final LocalDynamoDb INSTANCE = startShared();

        private static LocalDynamoDb startShared() {
            URI configured = configuredEndpoint(ENDPOINT_PROPERTY, ENDPOINT_VARIABLE);
            if (configured != null) {
                return new LocalDynamoDb(null, configured, true);
            }
            LocalDynamoDb engine = start(true);
            Loopback.stopOnExit("dynamodb-local", engine::stop);
            return engine;
        }
    }
}
