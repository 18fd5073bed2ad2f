package dev.sluice.testing;

import com.amazonaws.services.dynamodbv2.local.monitoring.Telemetry;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.net.URI;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ConnectionStatistics;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local (the real engine AWS ships, in memory) served over HTTP on 127.0.0.1 and a random port.
 *
 * <p>Adapters are tested against a real engine because condition expressions, {@code ADD} and TTL semantics are what
 * they rely on; a mocked client only checks request shapes. DynamoDB Local's own {@code ServerRunner} binds every
 * interface on a fixed port, so this class wires the same pieces ({@link LocalDynamoDBRequestHandler} wrapped in
 * {@link LocalDynamoDBServerHandler}, in a Jetty {@link ContextHandler} as {@code DynamoDBProxyServer.setUpHandler}
 * does) behind a {@link ServerConnector} on 127.0.0.1 port 0. Telemetry is never configured, so it stays off.
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

  private final Server server;
  private final ConnectionStatistics connections;
  private final LocalDynamoDBRequestHandler requestHandler;
  private final URI endpoint;
  private final boolean shared;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private LocalDynamoDb(
      Server server,
      ConnectionStatistics connections,
      LocalDynamoDBRequestHandler requestHandler,
      URI endpoint,
      boolean shared) {
    this.server = server;
    this.connections = connections;
    this.requestHandler = requestHandler;
    this.endpoint = endpoint;
    this.shared = shared;
  }

  /** Starts a new in-memory engine; the caller closes it. */
  public static LocalDynamoDb start() {
    return start(0, false);
  }

  /**
   * Starts a new in-memory engine on a fixed loopback port (0 picks a free one), as the dev stack does so that
   * {@code gatewayctl} in another terminal can find it; the caller closes it.
   */
  public static LocalDynamoDb start(int port) {
    return start(port, false);
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
    return prefix + "-" + NAME_COUNTER.incrementAndGet() + "-" + HexFormat.of().formatHex(random);
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
    return connections == null ? -1 : connections.getConnectionsTotal();
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
    if (!stopped.compareAndSet(false, true) || isExternal()) {
      return;
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("DynamoDB Local did not stop cleanly", e);
    } finally {
      requestHandler.shutdown();
    }
  }

  private static LocalDynamoDb start(int port, boolean shared) {
    // Belt and braces: if something else in this JVM configured DynamoDB Local's telemetry, switch it off.
    Telemetry.configureTelemetry("MAVEN", "IN_MEMORY_SHARED_DB", false);
    LocalDynamoDBRequestHandler requestHandler;
    try {
      // (authority level 0, in memory, no db file, one database for all credentials and regions, no delayed statuses)
      requestHandler = new LocalDynamoDBRequestHandler(0, true, null, true, false);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create DynamoDB Local's request handler", e);
    }
    QueuedThreadPool threads = new QueuedThreadPool(32, 2);
    threads.setName("dynamodb-local");
    threads.setDaemon(true);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(Loopback.ADDRESS.getHostAddress());
    connector.setPort(port);
    ConnectionStatistics connections = new ConnectionStatistics();
    connector.addBean(connections);
    server.addConnector(connector);
    ContextHandler context = new ContextHandler();
    context.setHandler(new LocalDynamoDBServerHandler(requestHandler, null));
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      requestHandler.shutdown();
      throw new IllegalStateException("DynamoDB Local did not start", e);
    }
    URI endpoint = URI.create("http://" + Loopback.ADDRESS.getHostAddress() + ":" + connector.getLocalPort());
    return new LocalDynamoDb(server, connections, requestHandler, endpoint, shared);
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
      throw new IllegalArgumentException(source + " must be an http(s) URL such as http://localhost:4566: " + value);
    }
    return uri;
  }

  private static final class SharedHolder {
    static final LocalDynamoDb INSTANCE = startShared();

    private static LocalDynamoDb startShared() {
      URI configured = configuredEndpoint(ENDPOINT_PROPERTY, ENDPOINT_VARIABLE);
      if (configured != null) {
        return new LocalDynamoDb(null, null, null, configured, true);
      }
      LocalDynamoDb engine = start(0, true);
      Loopback.stopOnExit("dynamodb-local", engine::stop);
      return engine;
    }
  }
}
