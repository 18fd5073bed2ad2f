package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.quota.Charge;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.QuotaLedgerContract;
import dev.sluice.quota.SlotBuckets;
import dev.sluice.testing.LocalDynamoDb;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The ledger contract against DynamoDB Local: conditions, {@code ADD}, map slots and TTL as the real engine has them. */
class DynamoDbQuotaLedgerIT extends QuotaLedgerContract {
    private static final DynamoDbClient DYNAMO = LocalDynamoDb.shared().newClient();
    private static final TableNames TABLES = tables();

    private final DynamoDbQuotaLedger ledger = new DynamoDbQuotaLedger(DYNAMO, TABLES.counters(), MAX_REQUEST);

    private static TableNames tables() {
        TableNames names = TableNames.withPrefix(LocalDynamoDb.uniqueName("ledger") + "-");
        SluiceTables.createAll(DYNAMO, names);
        return names;
    }

    @Override
    protected QuotaLedger ledger() {
        return ledger;
    }

    @Test
    void oneScope_keepsEveryLimitInOneSmallItem_withAnExpiry() {
        Limits limits = new Limits(100, 1_000, 100, 5_000, 50_000);

        for (int i = 0; i < 50; i++) {
            taken(ledger.reserve("tenant#one-item", limits, new Charge(1, 3, 7), true, NOW));
        }

        Map<String, AttributeValue> item = DYNAMO.getItem(r -> r.tableName(TABLES.counters())
                        .key(Map.of(SluiceTables.COUNTER, Attributes.s("tenant#one-item"))))
                .item();
        String bucket = "c" + SlotBuckets.bucketAt(NOW);
        assertThat(item)
                .as("50 requests in flight: one total and one bucket counter, not one entry each")
                .containsOnlyKeys(
                        SluiceTables.COUNTER,
                        "m",
                        "rq",
                        "tk",
                        "d",
                        "dc",
                        "mo",
                        "mc",
                        "ct",
                        bucket,
                        SluiceTables.EXPIRES_AT);
        assertThat(item.get("ct").n()).isEqualTo("50");
        assertThat(item.get(bucket).n()).isEqualTo("50");
        assertThat(Long.parseLong(item.get(SluiceTables.EXPIRES_AT).n())).isGreaterThan(NOW.getEpochSecond() + 86_400);
    }
}
