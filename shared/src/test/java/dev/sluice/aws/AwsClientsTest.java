package dev.sluice.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Which credentials the clients sign with, seen where it matters: in the {@code Authorization} header a loopback
 * endpoint receives. The default chain is fed through its first link, the {@code aws.accessKeyId} system property.
 */
class AwsClientsTest {
    private static final String CHAIN_KEY_ID = "AKIDFROMTHECHAIN";
    /** Generous budgets: this test is about credentials, and a busy machine must not fail it with a retry. */
    private static final Duration PATIENT = Duration.ofSeconds(30);

    private final Queue<String> authorizations = new ConcurrentLinkedQueue<>();
    private HttpServer endpoint;
    private String savedKeyId;
    private String savedSecret;

    @BeforeEach
    void start() throws IOException {
        endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"TableNames\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        endpoint.start();
        savedKeyId = System.getProperty("aws.accessKeyId");
        savedSecret = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.accessKeyId", CHAIN_KEY_ID);
        System.setProperty("aws.secretAccessKey", "secret-from-the-chain");
    }

    @AfterEach
    void stop() {
        endpoint.stop(0);
        restore("aws.accessKeyId", savedKeyId);
        restore("aws.secretAccessKey", savedSecret);
    }

    @Test
    void dynamoDb_plainEndpointOverride_signsWithTheDefaultCredentialsChain() {
        AwsClients aws = AwsClients.create(new AwsSettings("eu-west-1", false, PATIENT, PATIENT)); // a VPC endpoint

        try (DynamoDbClient client = aws.dynamoDb(loopback())) {
            client.listTables();
        }

        assertThat(authorizations)
                .isNotEmpty()
                .allSatisfy(header -> assertThat(header).contains("Credential=" + CHAIN_KEY_ID + "/"));
    }

    @Test
    void dynamoDb_declaredEmulator_signsWithDummyCredentials() {
        AwsClients aws = AwsClients.create(new AwsSettings("eu-west-1", true, PATIENT, PATIENT));

        try (DynamoDbClient client = aws.dynamoDb(loopback())) {
            client.listTables();
        }

        assertThat(authorizations)
                .isNotEmpty()
                .allSatisfy(header ->
                        assertThat(header).contains("Credential=local/").doesNotContain(CHAIN_KEY_ID));
    }

    @Test
    void clients_declaredEmulatorWithoutOverride_keepTheDefaultChain() {
        AwsClients aws = AwsClients.create(AwsSettings.of("eu-west-1").withEmulator(true));

        try (DynamoDbClient client = aws.dynamoDb(null)) {
            // Real AWS: only the endpoint with an override is an emulator.
            assertThat(client.serviceClientConfiguration()
                            .credentialsProvider()
                            .resolveIdentity()
                            .join()
                            .accessKeyId())
                    .isEqualTo(CHAIN_KEY_ID);
        }
    }

    @Test
    void clients_carryTheConfiguredTimeouts() {
        AwsSettings settings = AwsSettings.fromEnvironment(Map.of(
                "AWS_REGION",
                "eu-west-1",
                "SLUICE_AWS_API_CALL_TIMEOUT_MS",
                "1500",
                "SLUICE_AWS_API_CALL_ATTEMPT_TIMEOUT_MS",
                "400"));

        try (DynamoDbClient client = AwsClients.create(settings).dynamoDb(null)) {
            var override = client.serviceClientConfiguration().overrideConfiguration();
            assertThat(override.apiCallTimeout()).contains(Duration.ofMillis(1500));
            assertThat(override.apiCallAttemptTimeout()).contains(Duration.ofMillis(400));
        }
    }

    @Test
    void fromEnvironment_defaults_areRealAwsWithShortTimeouts() {
        AwsSettings settings = AwsSettings.fromEnvironment(Map.of());

        assertThat(settings)
                .isEqualTo(new AwsSettings("us-east-1", false, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThat(AwsSettings.fromEnvironment(Map.of("SLUICE_AWS_EMULATOR", "true"))
                        .emulator())
                .isTrue();
    }

    private URI loopback() {
        return URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort());
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
