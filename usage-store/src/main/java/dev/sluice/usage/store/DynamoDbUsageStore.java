package dev.sluice.usage.store;

import dev.sluice.usage.aggregate.AggregateKey;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageFolder;
import dev.sluice.usage.aggregate.UsageTotals;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The usage table in DynamoDB. Each slice is one conditional {@code UpdateItem}: it adds the slice's totals and
 * moves the row's checkpoint for that shard to the slice's last sequence number, on condition that the checkpoint
 * is still before the slice's first event. If it is not (the batch was delivered again), the row is read, the
 * already-counted events are dropped, and the rest is applied against the checkpoint just read.
 *
 * <p>Checkpoints make a redelivered record count once; a request that reached the stream twice as two records (an
 * event published again from the outbox after Kinesis had in fact taken it, or replayed twice) is made to count once
 * by a claim: before the row update, each event's request id is claimed for its record ({@code shard#sequence}) in
 * an item {@code tenant} = the event's tenant, {@code period} = {@value #CLAIM_PREFIX}{@code <requestId>} beside the
 * tenant's rows, with a conditional write in one {@code TransactWriteItems} per slice (a plain {@code UpdateItem} for
 * a slice of one). A record whose request another record claimed is left out; the claiming record claims again,
 * successfully, when it is redelivered, and its row's checkpoint decides whether it was counted. Claims expire
 * ({@value #EXPIRES_AT}, {@link #CLAIM_TTL} after the event) long after anything can replay it: the outbox keeps
 * events 14 days. Usage queries read only {@code day#} periods, so they never see a claim.
 */
public final class DynamoDbUsageStore implements UsageStore {
    static final String CLAIM_PREFIX = "event#";
    static final String EXPIRES_AT = "expiresAt";
    static final Duration CLAIM_TTL = Duration.ofDays(30);
    private static final String OWNER = "claimedBy";
    /** TransactWriteItems takes at most 100 actions. */
    private static final int CLAIMS_PER_TRANSACTION = 100;

    private static final int MAX_ATTEMPTS = 5;
    /** The row's counters, in the order of {@link #amounts}; each is added with {@code ADD}, absent reads as 0. */
    private static final String[] COUNTERS = {
        "requests",
        "errors",
        "promptTokens",
        "completionTokens",
        "cachedPromptTokens",
        "reasoningTokens",
        "costMicros",
        "cacheHits",
        "cacheSavedTokens",
        "cacheSavedMicros"
    };

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUsageStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void apply(UsageFolder.Slice claimed) {
        List<SequencedEvent> firstCopies = claimed.firstCopies();
        Set<String> countedElsewhere = new HashSet<>();
        for (int from = 0; from < firstCopies.size(); from += CLAIMS_PER_TRANSACTION) {
            countedElsewhere.addAll(
                    claim(firstCopies.subList(from, Math.min(firstCopies.size(), from + CLAIMS_PER_TRANSACTION))));
        }
        UsageFolder.Slice slice = claimed.firstCopiesExcept(countedElsewhere);
        if (slice == null) {
            return; // every request of the slice was counted from another record
        }
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

    private void update(
            AggregateKey key,
            UsageTotals totals,
            String checkpointAttribute,
            String checkpoint,
            boolean checkpointKnown,
            UsageFolder.Slice slice) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        long[] amounts = amounts(totals);
        StringBuilder add = new StringBuilder("ADD ");
        for (int i = 0; i < COUNTERS.length; i++) {
            names.put("#c" + i, COUNTERS[i]);
            values.put(":c" + i, AttributeValue.fromN(Long.toString(amounts[i])));
            add.append(i == 0 ? "" : ", ").append("#c").append(i).append(" :c").append(i);
        }
        names.put("#cp", checkpointAttribute);
        names.put("#day", "day");
        names.put("#alias", "alias");
        names.put("#keyId", "keyId");
        values.put(":last", AttributeValue.fromS(slice.lastSequence()));
        values.put(":day", AttributeValue.fromS(key.day()));
        values.put(":alias", AttributeValue.fromS(key.alias()));
        values.put(":keyId", AttributeValue.fromS(key.keyId()));
        String condition;
        if (!checkpointKnown) {
            condition = "attribute_not_exists(#cp) OR #cp < :first";
            values.put(":first", AttributeValue.fromS(slice.firstSequence()));
        } else if (checkpoint == null) {
            condition = "attribute_not_exists(#cp)";
        } else {
            condition = "#cp = :seen";
            values.put(":seen", AttributeValue.fromS(checkpoint));
        }
        dynamo.updateItem(r -> r.tableName(table)
                .key(Map.of(
                        UsageTable.TENANT,
                        AttributeValue.fromS(key.tenantId()),
                        UsageTable.PERIOD,
                        AttributeValue.fromS(key.period())))
                .updateExpression(add + " SET #cp = :last, #day = :day, #alias = :alias, #keyId = :keyId")
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values));
    }

    /**
     * Claims each event's request id for its record; returns the request ids another record holds. A transaction that
     * conflicts with another writer is tried again with the claims not yet refused.
     */
    private Set<String> claim(List<SequencedEvent> events) {
        Set<String> heldElsewhere = new HashSet<>();
        List<SequencedEvent> pending = events;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            if (pending.isEmpty()) {
                return heldElsewhere;
            }
            if (pending.size() == 1) {
                Update claim = claimOf(pending.getFirst());
                try {
                    dynamo.updateItem(r -> r.tableName(claim.tableName())
                            .key(claim.key())
                            .updateExpression(claim.updateExpression())
                            .conditionExpression(claim.conditionExpression())
                            .expressionAttributeNames(claim.expressionAttributeNames())
                            .expressionAttributeValues(claim.expressionAttributeValues()));
                } catch (ConditionalCheckFailedException held) {
                    heldElsewhere.add(pending.getFirst().event().requestId());
                }
                return heldElsewhere;
            }
            List<SequencedEvent> batch = pending;
            try {
                dynamo.transactWriteItems(r -> r.transactItems(batch.stream()
                        .map(e -> TransactWriteItem.builder().update(claimOf(e)).build())
                        .toList()));
                return heldElsewhere;
            } catch (TransactionCanceledException cancelled) {
                List<CancellationReason> reasons = cancelled.cancellationReasons();
                List<SequencedEvent> again = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    String code = i < reasons.size() ? reasons.get(i).code() : null;
                    if ("ConditionalCheckFailed".equals(code)) {
                        heldElsewhere.add(batch.get(i).event().requestId());
                    } else {
                        again.add(batch.get(i));
                    }
                }
                pending = again;
            }
        }
        throw new IllegalStateException("request ids of usage events kept conflicting; retry the batch");
    }

    private Update claimOf(SequencedEvent event) {
        long expiresAt = (event.event().timestampMs() + CLAIM_TTL.toMillis()) / 1000;
        return Update.builder()
                .tableName(table)
                .key(Map.of(
                        UsageTable.TENANT,
                        AttributeValue.fromS(event.event().tenantId()),
                        UsageTable.PERIOD,
                        AttributeValue.fromS(CLAIM_PREFIX + event.event().requestId())))
                .updateExpression("SET #owner = :owner, #exp = :exp")
                .conditionExpression("attribute_not_exists(#owner) OR #owner = :owner")
                .expressionAttributeNames(Map.of("#owner", OWNER, "#exp", EXPIRES_AT))
                .expressionAttributeValues(Map.of(
                        ":owner",
                        AttributeValue.fromS(event.recordId()),
                        ":exp",
                        AttributeValue.fromN(Long.toString(expiresAt))))
                .build();
    }

    private String readCheckpoint(AggregateKey key, String checkpointAttribute) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                        .consistentRead(true)
                        .key(Map.of(
                                UsageTable.TENANT,
                                AttributeValue.fromS(key.tenantId()),
                                UsageTable.PERIOD,
                                AttributeValue.fromS(key.period()))))
                .item();
        return item == null ? null : string(item, checkpointAttribute);
    }

    @Override
    public List<UsageRow> query(String tenantId, String periodPrefix) {
        return queryAll(tenantId, "#t = :t AND begins_with(#p, :p)", Map.of(":p", AttributeValue.fromS(periodPrefix)));
    }

    /** A tenant's rows for the days {@code from} to {@code to}, both included: one Query, reading only those days. */
    public List<UsageRow> queryDays(String tenantId, LocalDate from, LocalDate to) {
        return queryAll(
                tenantId,
                "#t = :t AND #p BETWEEN :first AND :last",
                Map.of(
                        ":first", AttributeValue.fromS(firstPeriodOf(from)),
                        ":last", AttributeValue.fromS(pastLastPeriodOf(to))));
    }

    /** Every page of a Query over one tenant's rows: {@code #t} and {@code :t} are the tenant, {@code #p} the period. */
    private List<UsageRow> queryAll(String tenantId, String keyCondition, Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new java.util.HashMap<>(values);
        all.put(":t", AttributeValue.fromS(tenantId));
        List<UsageRow> rows = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> startKey = start;
            QueryResponse page = dynamo.query(r -> r.tableName(table)
                    .keyConditionExpression(keyCondition)
                    .expressionAttributeNames(Map.of("#t", UsageTable.TENANT, "#p", UsageTable.PERIOD))
                    .expressionAttributeValues(all)
                    .exclusiveStartKey(startKey));
            for (Map<String, AttributeValue> item : page.items()) {
                rows.add(row(tenantId, item));
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return rows;
    }

    /**
     * Every tenant's rows for the days {@code from} to {@code to}, both included. The table is keyed by tenant with no
     * index over days, so this is a Scan: it reads, and is billed for, every row of the table, and filters the days
     * afterwards. It finds the usage of every tenant that has any, including tenants since deleted.
     *
     * @param pagesRead told the number of pages read so far after each page, for progress on long scans
     */
    public List<UsageRow> scanDays(LocalDate from, LocalDate to, IntConsumer pagesRead) {
        List<UsageRow> rows = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        int pages = 0;
        do {
            Map<String, AttributeValue> startKey = start;
            ScanResponse page = dynamo.scan(r -> r.tableName(table)
                    .filterExpression("#p BETWEEN :first AND :last")
                    .expressionAttributeNames(Map.of("#p", UsageTable.PERIOD))
                    .expressionAttributeValues(Map.of(
                            ":first",
                            AttributeValue.fromS(firstPeriodOf(from)),
                            ":last",
                            AttributeValue.fromS(pastLastPeriodOf(to))))
                    .exclusiveStartKey(startKey));
            for (Map<String, AttributeValue> item : page.items()) {
                rows.add(row(string(item, UsageTable.TENANT), item));
            }
            pagesRead.accept(++pages);
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return rows;
    }

    /** Sorts at or before every period of the day ({@code day#2026-11-23#model#...}). */
    private static String firstPeriodOf(LocalDate day) {
        return "day#" + day;
    }

    /**
     * Sorts after every period of the day and before the next day's: the day's periods all continue with {@code '#'},
     * and {@code '$'} is the character after it.
     */
    private static String pastLastPeriodOf(LocalDate day) {
        return "day#" + day + "$";
    }

    private static UsageRow row(String tenantId, Map<String, AttributeValue> item) {
        return new UsageRow(tenantId, string(item, "day"), string(item, "alias"), string(item, "keyId"), totals(item));
    }

    private static long[] amounts(UsageTotals totals) {
        return new long[] {
            totals.requests(),
            totals.errors(),
            totals.promptTokens(),
            totals.completionTokens(),
            totals.cachedPromptTokens(),
            totals.reasoningTokens(),
            totals.costMicros(),
            totals.cacheHits(),
            totals.cacheSavedTokens(),
            totals.cacheSavedMicros()
        };
    }

    /** A row's counters; rows written before a counter existed (the cache ones, say) read it as 0. */
    private static UsageTotals totals(Map<String, AttributeValue> item) {
        long[] n = new long[COUNTERS.length];
        for (int i = 0; i < COUNTERS.length; i++) {
            n[i] = number(item, COUNTERS[i], 0);
        }
        return new UsageTotals(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9]);
    }

    private static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static long number(Map<String, AttributeValue> item, String name, long fallback) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? fallback : Long.parseLong(value.n());
    }
}
