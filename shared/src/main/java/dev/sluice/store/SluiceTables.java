package dev.sluice.store;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Creates Sluice's tables where nothing else does (dev mode, tests, emulators); in AWS the CDK stack owns them.
 * The key schemas here are the contract the adapters rely on; the README documents them.
 */
public final class SluiceTables {
    public static final String KEY_HASH = "keyHash";
    public static final String ALIAS = "alias";
    public static final String COUNTER = "counter";
    /** Response cache table key: an answer's cache key, or a semantic index bucket. */
    public static final String CACHE_KEY = "cacheKey";

    /** Usage outbox key: the usage event's id, so a replayed or re-parked event is one item. */
    public static final String EVENT_ID = "eventId";
    /** Audit log key: the UTC day of the action ({@code 2026-12-05}), so a time range is a few queries. */
    public static final String DAY = "day";
    /** Audit log sort key: the action's instant ({@code 2026-12-05T19:00:00.123Z}) then {@code #} and its id. */
    public static final String AT = "at";

    public static final String TENANT = "tenant";
    public static final String PERIOD = "period";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String TENANT_ID = "tenantId";
    public static final String KEY_ID = "keyId";
    /** Keys table index: a tenant's keys (management only). */
    public static final String KEYS_BY_TENANT = "byTenant";
    /** Keys table index: a key by its printable id (management only). */
    public static final String KEYS_BY_ID = "byKeyId";

    private SluiceTables() {}

    public static void createAll(DynamoDbClient dynamo, TableNames names) {
        create(dynamo, names.keys(), KEY_HASH, null, keyIndexes());
        create(dynamo, names.tenants(), TENANT_ID, null);
        create(dynamo, names.routes(), ALIAS, null);
        create(dynamo, names.counters(), COUNTER, null);
        create(dynamo, names.usage(), TENANT, PERIOD);
        create(dynamo, names.cache(), CACHE_KEY, null);
        create(dynamo, names.outbox(), EVENT_ID, null);
        create(dynamo, names.audit(), DAY, AT);
        for (String table : List.of(names.counters(), names.cache(), names.audit(), names.usage(), names.outbox())) {
            try {
                dynamo.updateTimeToLive(r -> r.tableName(table)
                        .timeToLiveSpecification(t -> t.enabled(true).attributeName(EXPIRES_AT)));
            } catch (RuntimeException e) {
                // TTL is housekeeping; some emulators do not support it, and readers check expiresAt themselves.
            }
        }
    }

    private static void create(DynamoDbClient dynamo, String table, String hashKey, String rangeKey) {
        create(dynamo, table, hashKey, rangeKey, List.of());
    }

    private static List<GlobalSecondaryIndex> keyIndexes() {
        return List.of(
                GlobalSecondaryIndex.builder()
                        .indexName(KEYS_BY_TENANT)
                        .keySchema(key(TENANT_ID, KeyType.HASH), key(KEY_ID, KeyType.RANGE))
                        .projection(p -> p.projectionType(ProjectionType.ALL))
                        .build(),
                GlobalSecondaryIndex.builder()
                        .indexName(KEYS_BY_ID)
                        .keySchema(key(KEY_ID, KeyType.HASH))
                        .projection(p -> p.projectionType(ProjectionType.ALL))
                        .build());
    }

    private static void create(
            DynamoDbClient dynamo, String table, String hashKey, String rangeKey, List<GlobalSecondaryIndex> indexes) {
        Set<String> names = new LinkedHashSet<>();
        names.add(hashKey);
        if (rangeKey != null) {
            names.add(rangeKey);
        }
        for (GlobalSecondaryIndex index : indexes) {
            index.keySchema().forEach(element -> names.add(element.attributeName()));
        }
        List<AttributeDefinition> attributes =
                names.stream().map(SluiceTables::stringAttribute).toList();
        List<KeySchemaElement> keys = rangeKey == null
                ? List.of(key(hashKey, KeyType.HASH))
                : List.of(key(hashKey, KeyType.HASH), key(rangeKey, KeyType.RANGE));
        try {
            dynamo.createTable(r -> {
                r.tableName(table)
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(attributes)
                        .keySchema(keys);
                if (!indexes.isEmpty()) {
                    r.globalSecondaryIndexes(indexes);
                }
            });
            dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
        } catch (ResourceInUseException alreadyThere) {
            // Idempotent: an existing table is what we wanted.
        }
    }

    private static AttributeDefinition stringAttribute(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
