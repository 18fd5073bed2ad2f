package dev.sluice.store;

import dev.sluice.aws.AwsFailures;
import dev.sluice.health.BreakerState;
import dev.sluice.health.HealthStore;
import dev.sluice.health.SharedHealth;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Shared deployment health in the counters table: one item per deployment, {@code counter = health#<key>}, beside the
 * quota items (so no table of its own to provision). A transition puts the whole item; the statistics heartbeat
 * updates only the statistics, so it never undoes another instance's transition. Every write pushes
 * {@code expiresAt} a day ahead: a deployment nobody calls any more leaves the table through its TTL.
 */
public final class DynamoDbHealthStore implements HealthStore {
    static final String PREFIX = "health#";
    static final String KEY = "key";
    static final String STATE = "state";
    static final String CHANGED_AT = "changedAt";
    static final String RETRY_AT = "retryAt";
    static final String EWMA_TTFT_MS = "ewmaTtftMs";
    static final String ERROR_RATE = "errorRate";
    static final String LAST_FAILURE = "lastFailure";
    static final String LAST_FAILURE_AT = "lastFailureAt";

    private static final Duration KEPT_FOR = Duration.ofDays(1);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoDbHealthStore(DynamoDbClient dynamo, String countersTable) {
        this(dynamo, countersTable, Clock.systemUTC());
    }

    DynamoDbHealthStore(DynamoDbClient dynamo, String countersTable, Clock clock) {
        this.dynamo = dynamo;
        this.table = countersTable;
        this.clock = clock;
    }

    @Override
    public Optional<SharedHealth> read(String key) {
        try {
            Map<String, AttributeValue> item = dynamo.getItem(
                            r -> r.tableName(table).key(Map.of(SluiceTables.COUNTER, Attributes.s(PREFIX + key))))
                    .item();
            return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toHealth(item));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public void publish(SharedHealth health) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(SluiceTables.COUNTER, Attributes.s(PREFIX + health.key()));
        item.put(KEY, Attributes.s(health.key()));
        item.put(STATE, Attributes.s(health.state().wireName()));
        item.put(CHANGED_AT, Attributes.n(health.changedAtMillis()));
        item.put(RETRY_AT, Attributes.n(health.retryAtMillis()));
        item.put(EWMA_TTFT_MS, decimal(health.ewmaTtftMillis()));
        item.put(ERROR_RATE, decimal(health.errorRate()));
        if (health.lastFailure() != null) {
            item.put(LAST_FAILURE, Attributes.s(health.lastFailure()));
        }
        item.put(LAST_FAILURE_AT, Attributes.n(health.lastFailureAtMillis()));
        item.put(SluiceTables.EXPIRES_AT, Attributes.n(expiresAt()));
        try {
            dynamo.putItem(r -> r.tableName(table).item(item));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    /**
     * {@code SET} of the statistics and the expiry; state, change and retry times only {@code if_not_exists}, so an
     * item the heartbeat creates starts closed and one a transition wrote keeps its state. A null last failure leaves
     * the stored one alone.
     */
    @Override
    public void publishStats(SharedHealth health) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> sets = new ArrayList<>();
        set(sets, names, values, KEY, Attributes.s(health.key()));
        set(sets, names, values, EWMA_TTFT_MS, decimal(health.ewmaTtftMillis()));
        set(sets, names, values, ERROR_RATE, decimal(health.errorRate()));
        if (health.lastFailure() != null) {
            set(sets, names, values, LAST_FAILURE, Attributes.s(health.lastFailure()));
            set(sets, names, values, LAST_FAILURE_AT, Attributes.n(health.lastFailureAtMillis()));
        }
        set(sets, names, values, SluiceTables.EXPIRES_AT, Attributes.n(expiresAt()));
        keepOr(sets, names, values, STATE, Attributes.s(BreakerState.CLOSED.wireName()));
        keepOr(sets, names, values, CHANGED_AT, Attributes.n(0));
        keepOr(sets, names, values, RETRY_AT, Attributes.n(0));
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of(SluiceTables.COUNTER, Attributes.s(PREFIX + health.key())))
                    .updateExpression("SET " + String.join(", ", sets))
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public List<SharedHealth> readAll() {
        List<SharedHealth> all = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page;
            try {
                page = dynamo.scan(r -> r.tableName(table)
                        .filterExpression("begins_with(#counter, :prefix)")
                        .expressionAttributeNames(Map.of("#counter", SluiceTables.COUNTER))
                        .expressionAttributeValues(Map.of(":prefix", Attributes.s(PREFIX)))
                        .exclusiveStartKey(from));
            } catch (SdkException e) {
                throw AwsFailures.translate(e);
            }
            page.items().forEach(item -> all.add(toHealth(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        all.sort(Comparator.comparing(SharedHealth::key));
        return all;
    }

    private long expiresAt() {
        return clock.instant().plus(KEPT_FOR).getEpochSecond();
    }

    private static SharedHealth toHealth(Map<String, AttributeValue> item) {
        String key = Attributes.string(item, KEY);
        if (key == null) {
            key = Attributes.string(item, SluiceTables.COUNTER).substring(PREFIX.length());
        }
        String state = Attributes.string(item, STATE);
        return new SharedHealth(
                key,
                state == null ? BreakerState.CLOSED : BreakerState.fromWireName(state),
                Attributes.number(item, CHANGED_AT, 0),
                Attributes.number(item, RETRY_AT, 0),
                decimal(item, EWMA_TTFT_MS, -1),
                decimal(item, ERROR_RATE, 0),
                Attributes.string(item, LAST_FAILURE),
                Attributes.number(item, LAST_FAILURE_AT, 0));
    }

    /** Plain notation: {@code Double.toString} would write {@code 1.0E-4}, and a number is a string on the wire. */
    private static AttributeValue decimal(double value) {
        return AttributeValue.fromN(BigDecimal.valueOf(value).toPlainString());
    }

    private static double decimal(Map<String, AttributeValue> item, String name, double fallback) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? fallback : Double.parseDouble(value.n());
    }

    private static void set(
            List<String> sets,
            Map<String, String> names,
            Map<String, AttributeValue> values,
            String attribute,
            AttributeValue value) {
        String placeholder = placeholder(names, values, attribute, value);
        sets.add("#" + placeholder + " = :" + placeholder);
    }

    private static void keepOr(
            List<String> sets,
            Map<String, String> names,
            Map<String, AttributeValue> values,
            String attribute,
            AttributeValue initial) {
        String p = placeholder(names, values, attribute, initial);
        sets.add("#" + p + " = if_not_exists(#" + p + ", :" + p + ")");
    }

    /** {@code key} and {@code state} are reserved words in expressions, so every name goes through a placeholder. */
    private static String placeholder(
            Map<String, String> names, Map<String, AttributeValue> values, String attribute, AttributeValue value) {
        String placeholder = "a" + names.size();
        names.put("#" + placeholder, attribute);
        values.put(":" + placeholder, value);
        return placeholder;
    }
}
