package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.usage.event.UsageEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * The publisher's retry branch: Kinesis accepts the PutRecords call but rejects the record inside it
 * ({@code FailedRecordCount}), which no emulator does on demand. A scripted loopback endpoint answers in Kinesis's JSON
 * protocol (the SDK's CBOR encoding is switched off for this client's requests), through the real SDK client.
 */
class KinesisUsagePublisherRetryIT {
    private static final String REJECTED = "{\"FailedRecordCount\":1,\"Records\":[{\"ErrorCode\":"
            + "\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate exceeded for shard\"}]}";
    private static final String ACCEPTED = "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\","
            + "\"ShardId\":\"shardId-000000000000\"}]}";

    private final AtomicInteger calls = new AtomicInteger();
    private volatile int rejections;
    private HttpServer server;
    private KinesisClient kinesis;

    @BeforeEach
    void start() throws IOException {
        System.setProperty("aws.cborEnabled", "false");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            byte[] body = (!"Kinesis_20131202.PutRecords".equals(target)
                            ? "{}"
                            : calls.incrementAndGet() <= rejections ? REJECTED : ACCEPTED)
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        kinesis = KinesisClient.builder()
                .endpointOverride(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @AfterEach
    void stop() {
        kinesis.close();
        server.stop(0);
        System.clearProperty("aws.cborEnabled");
    }

    private static UsageEvent event() {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_retry",
                1_795_428_000_000L,
                "tenant",
                "key_1",
                "demo",
                "demo",
                "demo-1",
                10,
                2,
                0,
                0,
                3,
                12,
                3,
                UsageEvent.OK,
                200,
                true,
                false,
                false);
    }

    @Test
    void publish_whenTheRecordIsRejectedTwice_retriesUntilKinesisTakesIt() {
        rejections = 2;

        new KinesisUsagePublisher(kinesis, "usage").publish(event());

        assertThat(calls).hasValue(3);
    }

    @Test
    void publish_whenTheRecordIsAlwaysRejected_givesUpAfterFourAttemptsNamingTheError() {
        rejections = Integer.MAX_VALUE;

        assertThatThrownBy(() -> new KinesisUsagePublisher(kinesis, "usage").publish(event()))
                .hasMessageContaining("req_retry")
                .hasMessageContaining("ProvisionedThroughputExceededException");
        assertThat(calls).hasValue(4);
    }
}
