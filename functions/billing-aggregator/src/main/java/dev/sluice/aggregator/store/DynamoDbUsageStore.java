package dev.sluice.aggregator.store;

import dev.sluice.aggregator.aggregate.AggregateKey;
import dev.sluice.aggregator.aggregate.UsageFolder;
import dev.sluice.aggregator.aggregate.UsageTotals;
import dev.sluice.store.Attributes;
import dev.sluice.store.SluiceTables;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The usage table in DynamoDB. Each slice is one conditional {@code UpdateItem}: it adds the slice's totals and
 * moves the row's checkpoint for that shard to the slice's last sequence number, on condition that the checkpoint
 * is still before the slice's first event. If it is not (the batch was delivered again), the row is read, the
 * already-counted events are dropped, and the rest is applied against the checkpoint just read.
 */
public final class DynamoDbUsageStore implements UsageStore {
    private static final int MAX_ATTEMPTS = 5;
    private static final String[] COUNTERS = {"requests", "errors", "promptTokens", "completionTokens",
        "cachedPromptTokens", "reasoningTokens", "costMicros"};

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUsageStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void apply(UsageFolder.Slice slice) {
        String checkpointAttribute = "cp_" + slice.shardId();
        String checkpoint = null;
        boolean checkpointKnown = false;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            UsageTotals totals = slice.totalsAfter(checkpoint);
            if (checkpointKnown && totals.requests() == 0) {
                return; // everything in the slice was counted before
            }
            try {
                update(slice.key(), totals, checkpointAttribute, checkpoint, checkpointKnown, slice);
                return;
            } catch (ConditionalCheckFailedException alreadyCounted) {
                checkpoint = readCheckpoint(slice.key(), checkpointAttribute);
                checkpointKnown = true;
            }
        }
        throw new IllegalStateException("usage row " + slice.key().period() + " kept changing; retry the batch");
    }

    private void update(AggregateKey key, UsageTotals totals, String checkpointAttribute, String checkpoint,
                        boolean checkpointKnown, UsageFolder.Slice slice) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        long[] amounts = {totals.requests(), totals.errors(), totals.promptTokens(), totals.completionTokens(),
            totals.cachedPromptTokens(), totals.reasoningTokens(), totals.costMicros()};
        StringBuilder add = new StringBuilder("ADD ");
        for (int i = 0; i < COUNTERS.length; i++) {
            names.put("#c" + i, COUNTERS[i]);
            values.put(":c" + i, Attributes.n(amounts[i]));
            add.append(i == 0 ? "" : ", ").append("#c").append(i).append(" :c").append(i);
        }
        names.put("#cp", checkpointAttribute);
        names.put("#day", "day");
        names.put("#alias", "alias");
        names.put("#keyId", "keyId");
        values.put(":last", Attributes.s(slice.lastSequence()));
        values.put(":day", Attributes.s(key.day()));
        values.put(":alias", Attributes.s(key.alias()));
        values.put(":keyId", Attributes.s(key.keyId()));
        String condition;
        if (!checkpointKnown) {
            condition = "attribute_not_exists(#cp) OR #cp < :first";
            values.put(":first", Attributes.s(slice.firstSequence()));
        } else if (checkpoint == null) {
            condition = "attribute_not_exists(#cp)";
        } else {
            condition = "#cp = :seen";
            values.put(":seen", Attributes.s(checkpoint));
        }
        dynamo.updateItem(r -> r.tableName(table)
                .key(Map.of(SluiceTables.TENANT, Attributes.s(key.tenantId()),
                        SluiceTables.PERIOD, Attributes.s(key.period())))
                .updateExpression(add + " SET #cp = :last, #day = :day, #alias = :alias, #keyId = :keyId")
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values));
    }

    private String readCheckpoint(AggregateKey key, String checkpointAttribute) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of(SluiceTables.TENANT, Attributes.s(key.tenantId()),
                        SluiceTables.PERIOD, Attributes.s(key.period())))).item();
        return item == null ? null : Attributes.string(item, checkpointAttribute);
    }

    @Override
    public List<UsageRow> query(String tenantId, String periodPrefix) {
        List<UsageRow> rows = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(r -> r.tableName(table)
                    .keyConditionExpression("#t = :t AND begins_with(#p, :p)")
                    .expressionAttributeNames(Map.of("#t", SluiceTables.TENANT, "#p", SluiceTables.PERIOD))
                    .expressionAttributeValues(Map.of(":t", Attributes.s(tenantId), ":p", Attributes.s(periodPrefix)))
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                rows.add(new UsageRow(tenantId, Attributes.string(item, "day"), Attributes.string(item, "alias"),
                        Attributes.string(item, "keyId"), new UsageTotals(
                        Attributes.number(item, "requests", 0), Attributes.number(item, "errors", 0),
                        Attributes.number(item, "promptTokens", 0), Attributes.number(item, "completionTokens", 0),
                        Attributes.number(item, "cachedPromptTokens", 0),
                        Attributes.number(item, "reasoningTokens", 0), Attributes.number(item, "costMicros", 0))));
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return rows;
    }
}
