package dev.sluice.store;

import static dev.sluice.store.DynamoDbQuotaLedger.DAY;
import static dev.sluice.store.DynamoDbQuotaLedger.MICROS_DAY;
import static dev.sluice.store.DynamoDbQuotaLedger.MICROS_MONTH;
import static dev.sluice.store.DynamoDbQuotaLedger.MINUTE;
import static dev.sluice.store.DynamoDbQuotaLedger.MONTH;
import static dev.sluice.store.DynamoDbQuotaLedger.REQUESTS;
import static dev.sluice.store.DynamoDbQuotaLedger.SLOTS;
import static dev.sluice.store.DynamoDbQuotaLedger.TOKENS;

import dev.sluice.quota.ScopeUsage;
import dev.sluice.quota.Windows;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Reads a scope's counter item: its windows, what they hold, and its slots. */
final class CounterItem {
    private CounterItem() {}

    /**
     * The windows to count in: this clock's, or the item's where another instance's clock has already moved on (so two
     * instances a little apart never reset each other's windows back and forth).
     */
    static Windows windowsFor(Windows clock, Map<String, AttributeValue> item) {
        if (item == null) {
            return clock;
        }
        return new Windows(
                Math.max(clock.minute(), Attributes.number(item, MINUTE, -1)),
                Math.max(clock.day(), Attributes.number(item, DAY, -1)),
                Math.max(clock.month(), Attributes.number(item, MONTH, -1)));
    }

    /** What the item holds in {@code windows}; values of a stale window and expired slots count as zero. */
    static ScopeUsage usage(Map<String, AttributeValue> item, Windows windows, Instant now) {
        boolean minute = Attributes.number(item, MINUTE, -1) == windows.minute();
        boolean day = Attributes.number(item, DAY, -1) == windows.day();
        boolean month = Attributes.number(item, MONTH, -1) == windows.month();
        AttributeValue slots = item.get(SLOTS);
        long live = slots == null || !slots.hasM()
                ? 0
                : slots.m().size()
                        - expiredSlots(slots.m(), now, Integer.MAX_VALUE).size();
        return new ScopeUsage(
                minute ? Attributes.number(item, REQUESTS, 0) : 0,
                minute ? Attributes.number(item, TOKENS, 0) : 0,
                day ? Attributes.number(item, MICROS_DAY, 0) : 0,
                month ? Attributes.number(item, MICROS_MONTH, 0) : 0,
                live);
    }

    /** The usage an update returned ({@code UPDATED_NEW}): every counted value is in the current window. */
    static ScopeUsage usageAfter(Map<String, AttributeValue> updated) {
        AttributeValue slots = updated.get(SLOTS);
        return new ScopeUsage(
                Attributes.number(updated, REQUESTS, 0),
                Attributes.number(updated, TOKENS, 0),
                Attributes.number(updated, MICROS_DAY, 0),
                Attributes.number(updated, MICROS_MONTH, 0),
                slots == null || !slots.hasM() ? 0 : slots.m().size());
    }

    static List<String> expiredSlots(Map<String, AttributeValue> slots, Instant now, int max) {
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, AttributeValue> slot : slots.entrySet()) {
            String expiry = slot.getValue().n();
            if (expired.size() < max && expiry != null && Long.parseLong(expiry) <= now.getEpochSecond()) {
                expired.add(slot.getKey());
            }
        }
        return expired;
    }

    /** When the item may go: after the month it counts, and never before a slot it holds expires. */
    static long expiry(Windows windows, Instant slotExpiry) {
        Instant afterMonth = windows.monthEnd().plus(Duration.ofDays(1));
        return Math.max(afterMonth.getEpochSecond(), slotExpiry.getEpochSecond());
    }
}
