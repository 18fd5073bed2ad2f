package dev.sluice.aws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.LocalDynamoDb;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * The SDK's client on {@link BufferedUrlConnectionHttpClient}: what reaches the server (the body whole, the signed
 * headers once), what comes back (status, headers, an error's body), and that the SDK's attempt timeout cuts a hung
 * call off. Against a loopback {@link HttpServer} and DynamoDB Local.
 */
@Timeout(60)
class BufferedUrlConnectionHttpClientTest {
    private static final Duration PATIENT = Duration.ofSeconds(20);

    private final ConcurrentLinkedQueue<Map<String, String>> received = new ConcurrentLinkedQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
            received.add(Map.of(
                    "target", String.valueOf(target),
                    "body", body,
                    "host", String.valueOf(exchange.getRequestHeaders().get("Host")),
                    "contentLength", String.valueOf(exchange.getRequestHeaders().get("Content-Length"))));
            if (target != null && target.endsWith("DescribeLimits")) {
                try {
                    release.await(30, TimeUnit.SECONDS); // hangs until the test ends
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] answer = target != null && target.endsWith("DescribeTable")
                    ? "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"no such table\"}"
                            .getBytes(UTF_8)
                    : "{\"TableNames\":[\"a\",\"b\"]}".getBytes(UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.getResponseHeaders().add("x-amzn-RequestId", "request-1");
            exchange.sendResponseHeaders(target != null && target.endsWith("DescribeTable") ? 400 : 200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private DynamoDbClient client(Duration attemptTimeout) {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        return AwsClients.create(new AwsSettings("eu-west-1", true, PATIENT, attemptTimeout))
                .dynamoDb(endpoint);
    }

    @Test
    void call_sendsTheBodyWholeWithTheSignedHeadersOnce_andReadsTheAnswer() {
        try (DynamoDbClient dynamo = client(PATIENT)) {
            assertThat(dynamo.listTables().tableNames()).containsExactly("a", "b");
        }

        Map<String, String> request = received.poll();
        assertThat(request).isNotNull();
        assertThat(request.get("target")).isEqualTo("DynamoDB_20120810.ListTables");
        assertThat(request.get("body")).isEqualTo("{}");
        assertThat(request.get("host"))
                .isEqualTo("[127.0.0.1:" + server.getAddress().getPort() + "]");
        assertThat(request.get("contentLength")).isEqualTo("[2]");
    }

    @Test
    void call_errorStatus_reachesTheSdkWithItsBody() {
        try (DynamoDbClient dynamo = client(PATIENT)) {
            assertThatThrownBy(() -> dynamo.describeTable(r -> r.tableName("missing")))
                    .isInstanceOf(ResourceNotFoundException.class)
                    .hasMessageContaining("no such table")
                    .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode())
                            .isEqualTo(400));
        }
    }

    @Test
    void call_hungServer_isCutOffByTheAttemptTimeout() {
        try (DynamoDbClient dynamo = AwsClients.create(
                        new AwsSettings("eu-west-1", true, Duration.ofMillis(900), Duration.ofMillis(300)))
                .dynamoDb(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))) {
            long started = System.nanoTime();
            assertThatThrownBy(dynamo::describeLimits).isInstanceOf(SdkClientException.class);
            // the call timeout (900 ms) ends it, not the 10 s read timeout
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void call_nothingListening_isAClientFailure() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (DynamoDbClient dynamo = AwsClients.create(new AwsSettings("eu-west-1", true, PATIENT, PATIENT))
                .dynamoDb(URI.create("http://127.0.0.1:" + port))) {
            assertThatThrownBy(dynamo::listTables)
                    .isInstanceOf(SdkClientException.class)
                    .isNotInstanceOf(ApiCallAttemptTimeoutException.class);
        }
    }

    @Test
    void dynamoDbLocal_itemsRoundTrip() {
        String table = LocalDynamoDb.uniqueName("buffered");
        try (LocalDynamoDb local = LocalDynamoDb.shared();
                DynamoDbClient dynamo = AwsClients.create(new AwsSettings("eu-west-1", true, PATIENT, PATIENT))
                        .dynamoDb(local.endpoint())) {
            dynamo.createTable(r -> r.tableName(table)
                    .keySchema(k -> k.attributeName("id").keyType("HASH"))
                    .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))
                    .billingMode("PAY_PER_REQUEST"));
            String big = "x".repeat(200_000); // larger than any buffer on the way
            dynamo.putItem(r ->
                    r.tableName(table).item(Map.of("id", AttributeValue.fromS("k"), "v", AttributeValue.fromS(big))));

            assertThat(dynamo.getItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS("k"))))
                            .item()
                            .get("v")
                            .s())
                    .isEqualTo(big);
            assertThat(dynamo.getItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS("none"))))
                            .item())
                    .isEmpty();
        }
    }
}
