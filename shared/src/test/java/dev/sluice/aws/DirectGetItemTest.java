package dev.sluice.aws;

import static dev.sluice.aws.RecordingAwsEndpoint.assertSignedAsTheSdkSigns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.LocalDynamoDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@link DirectGetItem} reads what the SDK reads (DynamoDB Local, every attribute type), fails as documented, and
 * sends what the SDK sends: the same body, target and content type, signed over the same headers with the same
 * credential scope, including a session token (compared on a loopback server that records both).
 */
@Timeout(60)
class DirectGetItemTest {

    @Test
    void readsEveryAttributeType_asTheSdkDoes_andNothingForAMissingKey() {
        DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
        String table = LocalDynamoDb.uniqueName("direct-get");
        dynamo.createTable(r -> r.tableName(table)
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(d -> d.attributeName("id").attributeType(ScalarAttributeType.S))
                .billingMode(BillingMode.PAY_PER_REQUEST));
        Map<String, AttributeValue> item = Map.of(
                "id", AttributeValue.fromS("answer#1"),
                "n", AttributeValue.fromN("42.5"),
                "b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, (byte) 0xff})),
                "flag", AttributeValue.fromBool(true),
                "none", AttributeValue.fromNul(true),
                "m", AttributeValue.fromM(Map.of("inner", AttributeValue.fromS("ü ✓ \"quoted\""))),
                "l", AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.fromS("two"))),
                "ss", AttributeValue.fromSs(List.of("a", "b")),
                "ns", AttributeValue.fromNs(List.of("1", "2")),
                "bs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("x"), SdkBytes.fromUtf8String("y"))));
        dynamo.putItem(r -> r.tableName(table).item(item));
        DirectGetItem direct = DirectGetItem.of(dynamo, Duration.ofSeconds(5));

        Map<String, AttributeValue> read = direct.get(table, Map.of("id", AttributeValue.fromS("answer#1")));

        assertThat(read)
                .isEqualTo(dynamo.getItem(r -> r.tableName(table).key(Map.of("id", AttributeValue.fromS("answer#1"))))
                        .item());
        assertThat(read).isEqualTo(item);
        assertThat(direct.get(table, Map.of("id", AttributeValue.fromS("answer#missing"))))
                .isEmpty();
    }

    @Test
    void anErrorAnswer_isThrownWithItsTypeAndMessage_andATransportFailureAsIo() throws IOException {
        DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
        DirectGetItem direct = DirectGetItem.of(dynamo, Duration.ofSeconds(5));

        assertThatThrownBy(() -> direct.get("no-such-table", Map.of("id", AttributeValue.fromS("x"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("400")
                .hasMessageContaining("ResourceNotFoundException");

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        DynamoDbClient nowhere =
                client(URI.create("http://127.0.0.1:" + closedPort), AwsBasicCredentials.create("a", "b"));
        assertThatThrownBy(() -> DirectGetItem.of(nowhere, Duration.ofSeconds(1))
                        .get("t", Map.of("id", AttributeValue.fromS("x"))))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void sendsWhatTheSdkSends_signedOverTheSameHeaders() throws IOException {
        try (RecordingAwsEndpoint endpoint = new RecordingAwsEndpoint("application/x-amz-json-1.0", () -> "{}")) {
            DynamoDbClient sdk =
                    client(endpoint.uri(), AwsSessionCredentials.create("AKIDEXAMPLE", "secret", "session-token"));
            Map<String, AttributeValue> key = Map.of("cacheKey", AttributeValue.fromS("answer#abc"));

            sdk.getItem(r -> r.tableName("sluice-response-cache").key(key));
            DirectGetItem.of(sdk, Duration.ofSeconds(5)).get("sluice-response-cache", key);

            assertThat(endpoint.received).hasSize(2);
            Map<String, String> bySdk = endpoint.received.poll();
            Map<String, String> direct = endpoint.received.poll();
            for (String same : List.of("content-type", "x-amz-target", "x-amz-security-token", "path", "body")) {
                assertThat(direct.get(same)).as(same).isNotNull().isEqualTo(bySdk.get(same));
            }
            assertSignedAsTheSdkSigns(direct, bySdk, "dynamodb");
        }
    }

    private static DynamoDbClient client(URI endpoint, software.amazon.awssdk.auth.credentials.AwsCredentials creds) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(creds))
                .httpClient(BufferedUrlConnectionHttpClient.create(Duration.ofSeconds(2), Duration.ofSeconds(5)))
                .build();
    }
}
