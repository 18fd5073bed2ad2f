package dev.sluice.store;

import dev.sluice.quota.Limits;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Limits as item attributes, shared by tenants and keys; a dimension without a limit is not written. */
final class LimitAttributes {
    private static final String RPM = "rpm";
    private static final String TPM = "tpm";
    private static final String MAX_CONCURRENT = "maxConcurrent";
    private static final String BUDGET_DAY = "budgetMicrosDay";
    private static final String BUDGET_MONTH = "budgetMicrosMonth";

    private LimitAttributes() {}

    static void put(Map<String, AttributeValue> item, Limits limits) {
        putIfSet(item, RPM, limits.requestsPerMinute());
        putIfSet(item, TPM, limits.tokensPerMinute());
        putIfSet(item, MAX_CONCURRENT, limits.maxConcurrent());
        putIfSet(item, BUDGET_DAY, limits.budgetMicrosPerDay());
        putIfSet(item, BUDGET_MONTH, limits.budgetMicrosPerMonth());
    }

    static Limits read(Map<String, AttributeValue> item) {
        return new Limits(
                Attributes.number(item, RPM, 0),
                Attributes.number(item, TPM, 0),
                Attributes.number(item, MAX_CONCURRENT, 0),
                Attributes.number(item, BUDGET_DAY, 0),
                Attributes.number(item, BUDGET_MONTH, 0));
    }

    private static void putIfSet(Map<String, AttributeValue> item, String name, long value) {
        if (value > 0) {
            item.put(name, Attributes.n(value));
        }
    }
}
