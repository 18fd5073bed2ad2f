package dev.sluice.store;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyLimits;
import dev.sluice.auth.KeyRepository;
import dev.sluice.aws.AwsFailures;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/** API keys in DynamoDB, one item per key, keyed by the SHA-256 hex of the key. */
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
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ApiKey(
                Attributes.string(item, "keyId"),
                Attributes.string(item, "tenantId"),
                Attributes.string(item, "name"),
                ApiKey.Status.valueOf(Attributes.string(item, "status")),
                item.containsKey("models") ? Set.copyOf(item.get("models").ss()) : Set.of(),
                new KeyLimits(Attributes.number(item, "rpm", 0)),
                item.containsKey("expiresAt") ? Instant.ofEpochSecond(Attributes.number(item, "expiresAt", 0)) : null));
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
        item.put("keyId", Attributes.s(key.keyId()));
        item.put("tenantId", Attributes.s(key.tenantId()));
        item.put("name", Attributes.s(key.name()));
        item.put("status", Attributes.s(key.status().name()));
        if (!key.allowedModels().isEmpty()) {
            item.put(
                    "models",
                    AttributeValue.fromSs(key.allowedModels().stream().sorted().toList()));
        }
        item.put("rpm", Attributes.n(key.limits().requestsPerMinute()));
        if (key.expiresAt() != null) {
            item.put("expiresAt", Attributes.n(key.expiresAt().getEpochSecond()));
        }
        dynamo.putItem(r -> r.tableName(table).item(item));
    }
}
