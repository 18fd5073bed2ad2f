package dev.sluice.store;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Terse DynamoDB attribute helpers shared by the adapters. */
public final class Attributes {
    private Attributes() {}

    public static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    public static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    public static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    public static long number(Map<String, AttributeValue> item, String name, long fallback) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? fallback : Long.parseLong(value.n());
    }

    /** A string set, or nothing when empty (DynamoDB has no empty sets). */
    public static void putStrings(Map<String, AttributeValue> item, String name, java.util.Collection<String> values) {
        if (!values.isEmpty()) {
            item.put(name, AttributeValue.fromSs(values.stream().sorted().toList()));
        }
    }

    public static java.util.Set<String> strings(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || !value.hasSs() ? java.util.Set.of() : java.util.Set.copyOf(value.ss());
    }
}
