package dev.sluice.aws;

import static dev.sluice.aws.RecordingAwsEndpoint.assertSignedAsTheSdkSigns;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * {@link DirectPutRecords} sends what the SDK sends in Kinesis's JSON protocol (the same body, target and content type,
 * signed over the same headers with the same credential scope, including a session token; compared on a loopback
 * server that records both), reports records Kinesis rejects, and fails as documented. The round trip through the
 * Kinesis emulator is {@code KinesisUsagePublisherIT}'s.
 */
@Timeout(60)
class DirectPutRecordsTest {
    private static final String ACCEPTED_ONE_REJECTED_ONE = "{\"FailedRecordCount\":1,\"Records\":["
            + "{\"SequenceNumber\":\"1\",\"ShardId\":\"shardId-000000000000\"},"
            + "{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate exceeded\"}]}";

    private static final String ACCEPTED_TWO = "{\"FailedRecordCount\":0,\"Records\":["
            + "{\"SequenceNumber\":\"1\",\"ShardId\":\"shardId-000000000000\"},"
            + "{\"SequenceNumber\":\"2\",\"ShardId\":\"shardId-000000000001\"}]}";

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        System.clearProperty("aws.cborEnabled");
    }

    @Test
    void sendsWhatTheSdkSends_signedOverTheSameHeaders() throws IOException {
        System.setProperty("aws.cborEnabled", "false"); // the SDK's JSON protocol, to compare with
        RecordingAwsEndpoint endpoint = new RecordingAwsEndpoint("application/x-amz-json-1.1", () -> ACCEPTED_TWO);
        KinesisClient sdk =
                client(endpoint.uri(), AwsSessionCredentials.create("AKIDEXAMPLE", "secret", "session-token"));
        byte[] first = "{\"requestId\":\"req_1\"}".getBytes(UTF_8);
        byte[] second = {0, 1, (byte) 0xff, '"'};

        sdk.putRecords(r -> r.streamName("sluice-usage")
                .records(
                        PutRecordsRequestEntry.builder()
                                .partitionKey("req_1")
                                .data(SdkBytes.fromByteArray(first))
                                .build(),
                        PutRecordsRequestEntry.builder()
                                .partitionKey("req_2")
                                .data(SdkBytes.fromByteArray(second))
                                .build()));
        DirectPutRecords.of(sdk, Duration.ofSeconds(5))
                .put(
                        "sluice-usage",
                        List.of(
                                new DirectPutRecords.Entry("req_1", first),
                                new DirectPutRecords.Entry("req_2", second)));

        endpoint.close();
        assertThat(endpoint.received).hasSize(2);
        Map<String, String> bySdk = endpoint.received.poll();
        Map<String, String> direct = endpoint.received.poll();
        for (String same : List.of("content-type", "x-amz-target", "x-amz-security-token", "path")) {
            assertThat(direct.get(same)).as(same).isNotNull().isEqualTo(bySdk.get(same));
        }
        assertThat(Json.read(direct.get("body").getBytes(UTF_8)))
                .isEqualTo(Json.read(bySdk.get("body").getBytes(UTF_8)));
        assertSignedAsTheSdkSigns(direct, bySdk, "kinesis");
    }

    @Test
    void reportsEachRejectedRecord_andFailsOnAnErrorAnswer() throws IOException {
        String[] answer = {ACCEPTED_ONE_REJECTED_ONE};
        int[] status = {200};
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = answer[0].getBytes(UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status[0], body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        DirectPutRecords direct = DirectPutRecords.of(
                client(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                        AwsBasicCredentials.create("a", "b")),
                Duration.ofSeconds(5));
        List<DirectPutRecords.Entry> two = List.of(
                new DirectPutRecords.Entry("a", new byte[] {1}), new DirectPutRecords.Entry("b", new byte[] {2}));

        assertThat(direct.put("s", two)).containsExactly(null, "ProvisionedThroughputExceededException");

        status[0] = 400;
        answer[0] = "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream s under account 1 not found.\"}";
        assertThatThrownBy(() -> direct.put("s", two))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("400 ResourceNotFoundException: Stream s");

        status[0] = 200;
        answer[0] = "{\"FailedRecordCount\":0,\"Records\":[]}";
        assertThatThrownBy(() -> direct.put("s", two))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("0 results for 2 records");
    }

    @Test
    void anUnreachableEndpointIsAnIoFailure() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        KinesisClient nowhere =
                client(URI.create("http://127.0.0.1:" + closedPort), AwsBasicCredentials.create("a", "b"));
        assertThatThrownBy(() -> DirectPutRecords.of(nowhere, Duration.ofSeconds(1))
                        .put("s", List.of(new DirectPutRecords.Entry("a", new byte[] {1}))))
                .isInstanceOf(UncheckedIOException.class);
    }

    private static KinesisClient client(URI endpoint, AwsCredentials credentials) {
        return KinesisClient.builder()
                .endpointOverride(endpoint)
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(BufferedUrlConnectionHttpClient.create(Duration.ofSeconds(2), Duration.ofSeconds(5)))
                .build();
    }
}
