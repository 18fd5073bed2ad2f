package dev.sluice.dynamodblocal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

class DynamoDbLocalServerIT {

    @Test
    void start_servesOnLoopbackOnly_andCloseStopsIt() throws Exception {
        DynamoDbLocalServer server = DynamoDbLocalServer.start(0);
        try (DynamoDbClient client = server.newClient()) {
            assertThat(server.endpoint().getHost()).isEqualTo("127.0.0.1");
            client.createTable(b -> b.tableName("usage")
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder()
                            .attributeName("pk")
                            .attributeType(ScalarAttributeType.S)
                            .build())
                    .keySchema(KeySchemaElement.builder()
                            .attributeName("pk")
                            .keyType(KeyType.HASH)
                            .build()));
            assertThat(client.listTables().tableNames()).containsExactly("usage");
        } finally {
            server.close();
            server.close(); // idempotent
        }

        assertThatThrownBy(() -> new Socket()
                        .connect(
                                new InetSocketAddress(
                                        server.endpoint().getHost(),
                                        server.endpoint().getPort()),
                                1000))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void twoEngines_areIndependent() {
        try (DynamoDbLocalServer one = DynamoDbLocalServer.start(0);
                DynamoDbLocalServer two = DynamoDbLocalServer.start(0);
                DynamoDbClient client = two.newClient()) {
            assertThat(one.endpoint()).isNotEqualTo(two.endpoint());
            assertThat(client.listTables().tableNames()).isEmpty();
        }
    }
}
