package dev.sluice.store;

import static dev.sluice.store.DynamoDbQuotaLedger.DAY;
import static dev.sluice.store.DynamoDbQuotaLedger.MICROS_DAY;
import static dev.sluice.store.DynamoDbQuotaLedger.MICROS_MONTH;
import static dev.sluice.store.DynamoDbQuotaLedger.MINUTE;
import static dev.sluice.store.DynamoDbQuotaLedger.MONTH;
import static dev.sluice.store.DynamoDbQuotaLedger.REQUESTS;
import static dev.sluice.store.DynamoDbQuotaLedger.SLOTS;
import static dev.sluice.store.DynamoDbQuotaLedger.SLOT_BUCKET;
import static dev.sluice.store.DynamoDbQuotaLedger.TOKENS;

import dev.sluice.quota.ScopeUsage;
import dev.sluice.quota.SlotBuckets;
import dev.sluice.quota.Windows;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
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

    /**
     * What the item holds in {@code windows}; values of a stale window count as zero, and so do the slots of
     * forgotten buckets.
     */
    static ScopeUsage usage(
            Map<String, AttributeValue> item, Windows windows, Instant now, Duration maxRequestDuration) {
        boolean minute = Attributes.number(item, MINUTE, -1) == windows.minute();
        boolean day = Attributes.number(item, DAY, -1) == windows.day();
        boolean month = Attributes.number(item, MONTH, -1) == windows.month();
        long forgotten = agedBuckets(item, now, maxRequestDuration).values().stream()
                .mapToLong(Long::longValue)
                .sum();
        return new ScopeUsage(
                minute ? Attributes.number(item, REQUESTS, 0) : 0,
                minute ? Attributes.number(item, TOKENS, 0) : 0,
                day ? Attributes.number(item, MICROS_DAY, 0) : 0,
                month ? Attributes.number(item, MICROS_MONTH, 0) : 0,
                Attributes.number(item, SLOTS, 0) - forgotten);
    }

    /** The slot buckets no request can still be running in: attribute → count. */
    static Map<String, Long> agedBuckets(Map<String, AttributeValue> item, Instant now, Duration maxRequestDuration) {
        Map<String, Long> aged = new TreeMap<>();
        buckets(item).forEach((attribute, bucket) -> {
            if (SlotBuckets.isAged(bucket, now, maxRequestDuration)) {
                aged.put(attribute, Attributes.number(item, attribute, 0));
            }
        });
        return aged;
    }

    /** The aged buckets, and the emptied ones of buckets before {@code current}: worth removing. */
    static Map<String, Long> staleBuckets(
            Map<String, AttributeValue> item, long current, Instant now, Duration maxRequestDuration) {
        Map<String, Long> stale = new TreeMap<>(agedBuckets(item, now, maxRequestDuration));
        buckets(item).forEach((attribute, bucket) -> {
            if (bucket < current && Attributes.number(item, attribute, 0) == 0) {
                stale.put(attribute, 0L);
            }
        });
        return stale;
    }

    /** Slot bucket attributes ({@code c<bucket>}) → their bucket numbers. */
    private static Map<String, Long> buckets(Map<String, AttributeValue> item) {
        Map<String, Long> buckets = new TreeMap<>();
        for (String attribute : item.keySet()) {
            if (attribute.length() > SLOT_BUCKET.length()
                    && attribute.startsWith(SLOT_BUCKET)
                    && attribute.substring(SLOT_BUCKET.length()).chars().allMatch(Character::isDigit)) {
                buckets.put(attribute, Long.parseLong(attribute.substring(SLOT_BUCKET.length())));
            }
        }
        return buckets;
    }

    /** When the item may go: after the month it counts, and never before a slot it holds expires. */
    static long expiry(Windows windows, Instant slotExpiry) {
        Instant afterMonth = windows.monthEnd().plus(Duration.ofDays(1));
        return Math.max(afterMonth.getEpochSecond(), slotExpiry.getEpochSecond());
    }
}
