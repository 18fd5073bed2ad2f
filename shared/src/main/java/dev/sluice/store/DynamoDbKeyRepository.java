package dev.sluice.store;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.StoredKey;
import dev.sluice.aws.AwsFailures;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * API keys in DynamoDB, one item per key, keyed by the SHA-256 hex of the key. Two indexes serve management only:
 * {@value SluiceTables#KEYS_BY_TENANT} (a tenant's keys) and {@value SluiceTables#KEYS_BY_ID} (a key by its id).
 */
public final class DynamoDbKeyRepository implements KeyRepository {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbKeyRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<ApiKey> findByHash(String keyHash) {
        Map<String, AttributeValue> item;
        try {
            item = dynamo.getItem(getItemRequest(table, keyHash)).item();
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(keyOf(item));
    }

    /** The one read of the request path; SnapStart priming builds it here too, so the two cannot drift. */
    public static GetItemRequest getItemRequest(String table, String keyHash) {
        return GetItemRequest.builder()
                .tableName(table)
                .key(Map.of(SluiceTables.KEY_HASH, Attributes.s(keyHash)))
                .build();
    }

    @Override
    public void put(String keyHash, ApiKey key) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(SluiceTables.KEY_HASH, Attributes.s(keyHash));
        item.put(SluiceTables.KEY_ID, Attributes.s(key.keyId()));
        item.put(SluiceTables.TENANT_ID, Attributes.s(key.tenantId()));
        item.put("name", Attributes.s(key.name()));
        item.put("role", Attributes.s(key.role().wireName()));
        item.put("status", Attributes.s(key.status().name()));
        Attributes.putStrings(item, "models", key.allowedModels());
        Attributes.putStrings(item, "allowIps", key.allowedIps().cidrs());
        LimitAttributes.put(item, key.limits());
        if (key.expiresAt() != null) {
            item.put("expiresAt", Attributes.n(key.expiresAt().getEpochSecond()));
        }
        try {
            dynamo.putItem(r -> r.tableName(table).item(item));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public List<StoredKey> findByTenant(String tenantId) {
        return query(SluiceTables.KEYS_BY_TENANT, SluiceTables.TENANT_ID, tenantId);
    }

    @Override
    public Optional<StoredKey> findById(String keyId) {
        return query(SluiceTables.KEYS_BY_ID, SluiceTables.KEY_ID, keyId).stream()
                .findFirst();
    }

    private List<StoredKey> query(String index, String attribute, String value) {
        QueryRequest query = QueryRequest.builder()
                .tableName(table)
                .indexName(index)
                .keyConditionExpression("#k = :v")
                .expressionAttributeNames(Map.of("#k", attribute))
                .expressionAttributeValues(Map.of(":v", Attributes.s(value)))
                .build();
        try {
            return dynamo.queryPaginator(query).items().stream()
                    .map(item -> new StoredKey(Attributes.string(item, SluiceTables.KEY_HASH), keyOf(item)))
                    .toList();
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    private static ApiKey keyOf(Map<String, AttributeValue> item) {
        String role = Attributes.string(item, "role");
        return new ApiKey(
                Attributes.string(item, SluiceTables.KEY_ID),
                Attributes.string(item, SluiceTables.TENANT_ID),
                Attributes.string(item, "name"),
                ApiKey.Role.fromWire(role == null ? "app" : role),
                ApiKey.Status.valueOf(Attributes.string(item, "status")),
                Attributes.strings(item, "models"),
                LimitAttributes.read(item),
                item.containsKey("expiresAt") ? Instant.ofEpochSecond(Attributes.number(item, "expiresAt", 0)) : null,
                IpAllowlist.parse(Attributes.strings(item, "allowIps")));
    }
}
