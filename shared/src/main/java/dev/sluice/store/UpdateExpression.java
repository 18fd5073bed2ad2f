package dev.sluice.store;

import dev.sluice.store.DynamoDbQuotaLedger.Counted;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Builds the quota ledger's conditional updates clause by clause, with placeholders for every name and value (slot
 * ids are request ids, which may hold characters DynamoDB reserves).
 */
final class UpdateExpression {
    private final List<String> sets = new ArrayList<>();
    private final List<String> adds = new ArrayList<>();
    private final List<String> removes = new ArrayList<>();
    private final List<String> conditions = new ArrayList<>();
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, String> placeholders = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();

    /**
     * Takes {@code counted} from a window: adds to it while it is current and has room, or opens it anew (values
     * set, the window's other values removed) under a condition on the window the item held.
     */
    void window(String window, long current, Map<String, AttributeValue> seen, List<Counted> counted) {
        String w = name(window);
        if (seen == null || Attributes.number(seen, window, -1) == current) {
            conditions.add(w + " = " + value(Attributes.n(current)));
            for (Counted c : counted) {
                if (c.limit() > 0) {
                    String v = name(c.attribute());
                    adds.add(v + " " + value(Attributes.n(c.amount())));
                    conditions.add("(attribute_not_exists(" + v + ") OR " + v + " <= "
                            + value(Attributes.n(c.limit() - c.amount())) + ")");
                }
            }
            return;
        }
        conditions.add(
                seen.containsKey(window) ? w + " = " + value(seen.get(window)) : "attribute_not_exists(" + w + ")");
        sets.add(w + " = " + value(Attributes.n(current)));
        for (Counted c : counted) {
            if (c.limit() > 0) {
                sets.add(name(c.attribute()) + " = " + value(Attributes.n(c.amount())));
            } else if (seen.containsKey(c.attribute())) {
                removes.add(name(c.attribute()));
            }
        }
    }

    /**
     * Takes {@code slots} concurrency slots in {@code bucket} while at most {@code max} would then be held; forgotten
     * buckets the item showed leave the total in the same write, each under the condition that its count is unchanged
     * (so none is subtracted twice).
     */
    void slot(long bucket, int slots, long max, Map<String, Long> forgotten) {
        String total = name(DynamoDbQuotaLedger.SLOTS);
        long leaving = forgotten.values().stream().mapToLong(Long::longValue).sum();
        conditions.add("(attribute_not_exists(" + total + ") OR " + total + " <= "
                + value(Attributes.n(max + leaving - slots)) + ")");
        forget(forgotten);
        adds.add(total + " " + value(Attributes.n(slots - leaving)));
        adds.add(name(DynamoDbQuotaLedger.SLOT_BUCKET + bucket) + " " + value(Attributes.n(slots)));
    }

    /** Gives {@code slots} slots back to their bucket, while the bucket is still counted. */
    void releaseSlots(String bucket, int slots) {
        String counter = name(bucket);
        adds.add(name(DynamoDbQuotaLedger.SLOTS) + " " + value(Attributes.n(-slots)));
        adds.add(counter + " " + value(Attributes.n(-slots)));
        conditions.add("attribute_exists(" + counter + ")");
    }

    /** Removes buckets (attribute → the count the item showed), taking their counts out of the total. */
    void forgetBuckets(Map<String, Long> buckets) {
        long leaving = buckets.values().stream().mapToLong(Long::longValue).sum();
        forget(buckets);
        if (leaving != 0) {
            adds.add(name(DynamoDbQuotaLedger.SLOTS) + " " + value(Attributes.n(-leaving)));
        }
    }

    private void forget(Map<String, Long> buckets) {
        for (Map.Entry<String, Long> bucket : buckets.entrySet()) {
            String counter = name(bucket.getKey());
            conditions.add(counter + " = " + value(Attributes.n(bucket.getValue())));
            removes.add(counter);
        }
    }

    /** Adds non-zero deltas to a window, only while it is still the one reserved in. */
    void adjust(String window, long reservedWindow, List<Counted> deltas) {
        boolean any = false;
        for (Counted delta : deltas) {
            if (delta.amount() != 0) {
                adds.add(name(delta.attribute()) + " " + value(Attributes.n(delta.amount())));
                any = true;
            }
        }
        if (any) {
            conditions.add(name(window) + " = " + value(Attributes.n(reservedWindow)));
        }
    }

    void set(String attribute, AttributeValue value) {
        sets.add(name(attribute) + " = " + value(value));
    }

    void requireExists(String attribute) {
        conditions.add("attribute_exists(" + name(attribute) + ")");
    }

    boolean isEmpty() {
        return sets.isEmpty() && adds.isEmpty() && removes.isEmpty();
    }

    UpdateItemRequest.Builder request(String table, String scopeId) {
        StringBuilder expression = new StringBuilder();
        clause(expression, "SET ", sets, ", ");
        clause(expression, "ADD ", adds, ", ");
        clause(expression, "REMOVE ", removes, ", ");
        UpdateItemRequest.Builder builder = UpdateItemRequest.builder()
                .tableName(table)
                .key(Map.of(SluiceTables.COUNTER, Attributes.s(scopeId)))
                .updateExpression(expression.toString().strip())
                .expressionAttributeNames(names);
        if (!conditions.isEmpty()) {
            builder.conditionExpression(String.join(" AND ", conditions));
        }
        return values.isEmpty() ? builder : builder.expressionAttributeValues(values);
    }

    private static void clause(StringBuilder expression, String keyword, List<String> parts, String separator) {
        if (!parts.isEmpty()) {
            expression.append(keyword).append(String.join(separator, parts)).append(' ');
        }
    }

    private String name(String attribute) {
        return placeholders.computeIfAbsent(attribute, a -> {
            String placeholder = "#n" + placeholders.size();
            names.put(placeholder, a);
            return placeholder;
        });
    }

    private String value(AttributeValue value) {
        String placeholder = ":v" + values.size();
        values.put(placeholder, value);
        return placeholder;
    }
}
