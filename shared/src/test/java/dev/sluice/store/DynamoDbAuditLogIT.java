package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditLog;
import dev.sluice.audit.AuditLogContract;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The audit log contract against DynamoDB Local, and the item it writes: key, sort key, TTL. */
class DynamoDbAuditLogIT extends AuditLogContract {
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private TableNames names;

    @Override
    protected AuditLog log() {
        names = TableNames.withPrefix(LocalDynamoDb.uniqueName("audit") + "-");
        SluiceTables.createAll(dynamo, names);
        return new DynamoDbAuditLog(dynamo, names.audit());
    }

    @Test
    void append_writesTheDayTheSortableInstantAndATtl180DaysOn() {
        AuditLog log = log();
        Instant at = DAY_START.plusSeconds(5).plusMillis(7);
        AuditEntry entry = entry(at, "alice@gatewayctl", "key.revoke", "key_1");

        log.append(entry);

        Map<String, AttributeValue> item =
                dynamo.scan(r -> r.tableName(names.audit())).items().getFirst();
        assertThat(item.get(SluiceTables.DAY).s()).isEqualTo(AuditEntry.day(at));
        assertThat(item.get(SluiceTables.AT).s()).isEqualTo(AuditEntry.instant(at) + "#" + entry.id());
        assertThat(item.get(SluiceTables.AT).s())
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.007Z#[0-9a-f]{32}");
        assertThat(Long.parseLong(item.get(SluiceTables.EXPIRES_AT).n()))
                .isEqualTo(at.plus(Duration.ofDays(180)).getEpochSecond());
        assertThat(item.get("source").s()).isEqualTo("gatewayctl");
    }

    @Test
    void append_ofAnEntryWithoutBefore_storesNoBeforeAttribute() {
        AuditLog log = log();
        log.append(AuditEntry.of(
                DAY_START.plusSeconds(9), "k", AuditEntry.Source.ADMIN_API, "key.create", "key_2", null, "{}"));

        Map<String, AttributeValue> item =
                dynamo.scan(r -> r.tableName(names.audit())).items().getFirst();
        assertThat(item).doesNotContainKey("before").containsKey("after");
    }
}
