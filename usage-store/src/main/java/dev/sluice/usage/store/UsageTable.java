package dev.sluice.usage.store;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The usage table's key schema: partition key {@value #TENANT}, sort key {@value #PERIOD}
 * ({@code day#<yyyy-MM-dd>#model#<alias>#key#<keyId>}). In AWS the CDK stack creates the table; the core's
 * {@code SluiceTables} creates it for dev mode and emulators with the same schema.
 */
public final class UsageTable {
    public static final String TENANT = "tenant";
    public static final String PERIOD = "period";

    private UsageTable() {}

    /**
     * The table's name: {@code SLUICE_USAGE_TABLE}, else {@code SLUICE_TABLE_PREFIX} (default {@code sluice-})
     * followed by {@code usage}, the rule every Sluice component reads its table names by.
     */
    public static String nameFromEnvironment(Map<String, String> env) {
        return env.getOrDefault("SLUICE_USAGE_TABLE", env.getOrDefault("SLUICE_TABLE_PREFIX", "sluice-") + "usage");
    }

    /** Creates the table (on-demand capacity) and waits until it is active; an existing table is left as it is. */
    public static void create(DynamoDbClient dynamo, String table) {
        try {
            dynamo.createTable(r -> r.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            AttributeDefinition.builder()
                                    .attributeName(TENANT)
                                    .attributeType(ScalarAttributeType.S)
                                    .build(),
                            AttributeDefinition.builder()
                                    .attributeName(PERIOD)
                                    .attributeType(ScalarAttributeType.S)
                                    .build())
                    .keySchema(List.of(
                            KeySchemaElement.builder()
                                    .attributeName(TENANT)
                                    .keyType(KeyType.HASH)
                                    .build(),
                            KeySchemaElement.builder()
                                    .attributeName(PERIOD)
                                    .keyType(KeyType.RANGE)
                                    .build())));
            dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
        } catch (ResourceInUseException alreadyThere) {
            // Idempotent: an existing table is what we wanted.
        }
    }
}
