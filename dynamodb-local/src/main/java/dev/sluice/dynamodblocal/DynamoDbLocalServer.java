package dev.sluice.dynamodblocal;

import com.amazonaws.services.dynamodbv2.local.monitoring.Telemetry;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.net.InetAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.ConnectionStatistics;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local (the engine AWS ships, in memory) served over HTTP on 127.0.0.1: the dev stack's database and the
 * tests' engine.
 *
 * <p>DynamoDB Local's own {@code ServerRunner} binds every interface, so this class wires the same pieces ({@link
 * LocalDynamoDBRequestHandler} wrapped in {@link LocalDynamoDBServerHandler}, in a Jetty {@link ContextHandler} as
 * {@code DynamoDBProxyServer.setUpHandler} does) behind a {@link ServerConnector} on the loopback address. Telemetry
 * is never configured, so it stays off. One database serves all credentials and regions.
 */
public final class DynamoDbLocalServer implements AutoCloseable {
    /** DynamoDB Local accepts any credentials whose access key id is made of letters and digits. */
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("sluicelocal", "sluicelocalsecret"));

    private final Server server;
    private final ConnectionStatistics connections;
    private final LocalDynamoDBRequestHandler requestHandler;
    private final URI endpoint;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private DynamoDbLocalServer(
            Server server, ConnectionStatistics connections, LocalDynamoDBRequestHandler requestHandler, URI endpoint) {
        this.server = server;
        this.connections = connections;
        this.requestHandler = requestHandler;
        this.endpoint = endpoint;
    }

    /** Enough for the concurrency one router instance reaches in dev mode and in the benchmark (128 streams). */
    static final int MAX_THREADS = 512;

    /** Starts a new in-memory engine on a loopback port (0 picks a free one); the caller closes it. */
    public static DynamoDbLocalServer start(int port) {
        // Belt and braces: if something else in this JVM configured DynamoDB Local's telemetry, switch it off.
        Telemetry.configureTelemetry("MAVEN", "IN_MEMORY_SHARED_DB", false);
        LocalDynamoDBRequestHandler requestHandler;
        try {
            // (authority level 0, in memory, no db file, one database for all credentials and regions, no delays)
            requestHandler = new LocalDynamoDBRequestHandler(0, true, null, true, false);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create DynamoDB Local's request handler", e);
        }
        // Each request holds a thread while it reads its body and waits for the engine; a router admitting a few
        // hundred
        // requests at once with every limit on sends two writes per request in parallel, and 32 threads starved the
        // server (reads waited behind blocked handlers past the SDK's 1 s attempt timeout).
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("dynamodb-local");
        threads.setDaemon(true);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        String host = InetAddress.getLoopbackAddress().getHostAddress();
        connector.setHost(host);
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
            throw new IllegalStateException("DynamoDB Local did not start on " + host + ":" + port, e);
        }
        return new DynamoDbLocalServer(
                server, connections, requestHandler, URI.create("http://" + host + ":" + connector.getLocalPort()));
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return endpoint;
    }

    /** TCP connections the engine has accepted so far: a client that keeps its connections alive opens few. */
    public long connectionsAccepted() {
        return connections.getConnectionsTotal();
    }

    /** A synchronous SDK v2 client for this engine (URL-connection HTTP client, us-east-1, dummy credentials). */
    public DynamoDbClient newClient() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** Stops the engine and drops its tables; a second call does nothing. */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
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
}
