package dev.sluice.store;

import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.TenantRepository;
import dev.sluice.aws.AwsFailures;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** Tenants in DynamoDB, one item per tenant, keyed by its id. */
public final class DynamoDbTenantRepository implements TenantRepository {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbTenantRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<Tenant> find(String tenantId) {
        try {
            Map<String, AttributeValue> item = dynamo.getItem(
                            r -> r.tableName(table).key(Map.of(SluiceTables.TENANT_ID, Attributes.s(tenantId))))
                    .item();
            return item == null || item.isEmpty() ? Optional.empty() : Optional.of(tenantOf(item));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public void put(Tenant tenant) {
        write(tenant, false);
    }

    @Override
    public boolean create(Tenant tenant) {
        return write(tenant, true);
    }

    private boolean write(Tenant tenant, boolean onlyIfNew) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(SluiceTables.TENANT_ID, Attributes.s(tenant.tenantId()));
        item.put("name", Attributes.s(tenant.name()));
        item.put("status", Attributes.s(tenant.status().name()));
        Attributes.putStrings(item, "models", tenant.allowedModels());
        Attributes.putStrings(item, "allowIps", tenant.allowedIps().cidrs());
        LimitAttributes.put(item, tenant.limits());
        GuardAttributes.put(item, tenant.guard());
        try {
            dynamo.putItem(r -> {
                r.tableName(table).item(item);
                if (onlyIfNew) {
                    r.conditionExpression("attribute_not_exists(#id)")
                            .expressionAttributeNames(Map.of("#id", SluiceTables.TENANT_ID));
                }
            });
            return true;
        } catch (ConditionalCheckFailedException exists) {
            return false;
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public List<Tenant> findAll() {
        try {
            return dynamo.scanPaginator(r -> r.tableName(table)).items().stream()
                    .map(DynamoDbTenantRepository::tenantOf)
                    .sorted(Comparator.comparing(Tenant::tenantId))
                    .toList();
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    private static Tenant tenantOf(Map<String, AttributeValue> item) {
        return new Tenant(
                Attributes.string(item, SluiceTables.TENANT_ID),
                Attributes.string(item, "name"),
                Tenant.Status.valueOf(Attributes.string(item, "status")),
                Attributes.strings(item, "models"),
                LimitAttributes.read(item),
                IpAllowlist.parse(Attributes.strings(item, "allowIps")),
                GuardAttributes.read(item));
    }
}
