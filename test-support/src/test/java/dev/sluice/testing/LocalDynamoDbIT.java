package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

class LocalDynamoDbIT {

    private static DynamoDbClient dynamoDb;

    @BeforeAll
    static void startEngine() {
        dynamoDb = LocalDynamoDb.shared().newClient();
    }

    @Test
    void endpoint_isLoopbackOnARandomPort() {
        assertThat(LocalDynamoDb.shared().endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(LocalDynamoDb.shared().endpoint().getPort()).isPositive().isNotEqualTo(8000);
    }

    @Test
    void updateItemAdd_belowLimit_incrementsAndAboveLimit_throwsConditionalCheckFailed() {
        String table = createCounterTable();

        assertThat(addTokens(table, 60)).isEqualTo("60");
        assertThat(addTokens(table, 40)).isEqualTo("100");
        assertThatThrownBy(() -> addTokens(table, 1)).isInstanceOf(ConditionalCheckFailedException.class);
        assertThat(dynamoDb.getItem(b -> b.tableName(table).key(Map.of("pk", AttributeValue.fromS("key-1"))))
                        .item()
                        .get("tokens")
                        .n())
                .isEqualTo("100");
    }

    @Test
    void uniqueName_neverRepeats() {
        assertThat(LocalDynamoDb.uniqueName("usage"))
                .startsWith("usage-")
                .isNotEqualTo(LocalDynamoDb.uniqueName("usage"));
    }

    @Test
    void start_givesAnIndependentEngine() {
        try (LocalDynamoDb own = LocalDynamoDb.start();
                DynamoDbClient client = own.newClient()) {
            String table = createCounterTable();
            assertThat(own.endpoint()).isNotEqualTo(LocalDynamoDb.shared().endpoint());
            assertThat(client.listTables().tableNames()).doesNotContain(table);
        }
    }

    private static String createCounterTable() {
        String table = LocalDynamoDb.uniqueName("counters");
        dynamoDb.createTable(b -> b.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName("pk")
                        .attributeType(ScalarAttributeType.S)
                        .build())
                .keySchema(KeySchemaElement.builder()
                        .attributeName("pk")
                        .keyType(KeyType.HASH)
                        .build()));
        return table;
    }

    private static String addTokens(String table, int tokens) {
        return dynamoDb.updateItem(UpdateItemRequest.builder()
                        .tableName(table)
                        .key(Map.of("pk", AttributeValue.fromS("key-1")))
                        .updateExpression("ADD tokens :n")
                        .conditionExpression("attribute_not_exists(tokens) OR tokens <= :max")
                        .expressionAttributeValues(Map.of(
                                ":n",
                                AttributeValue.fromN(Integer.toString(tokens)),
                                ":max",
                                AttributeValue.fromN(Integer.toString(100 - tokens))))
                        .returnValues(ReturnValue.UPDATED_NEW)
                        .build())
                .attributes()
                .get("tokens")
                .n();
    }
}
