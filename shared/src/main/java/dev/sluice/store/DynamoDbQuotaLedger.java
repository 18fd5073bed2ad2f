package dev.sluice.store;

import dev.sluice.aws.AwsFailures;
import dev.sluice.error.GatewayException;
import dev.sluice.quota.Charge;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.Reservation;
import dev.sluice.quota.ScopeUsage;
import dev.sluice.quota.SlotBuckets;
import dev.sluice.quota.Windows;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The quota ledger in DynamoDB: one item per scope ({@code tenant#acme}, {@code key#key_1a2b…}) holds every limit
 * of that scope, so one conditional {@code UpdateItem} checks and takes them together: the minute's requests and
 * tokens ({@code m}, {@code rq}, {@code tk}), the day's and the month's spend ({@code d}, {@code dc}, {@code mo},
 * {@code mc}) and the concurrency slots ({@code ct}, the slots held, and {@code c<bucket>}, those taken in each start
 * bucket still in play, see {@link SlotBuckets}), so the item stays small however many requests are in flight.
 * DynamoDB serialises updates to an item, so concurrent instances never admit past a limit.
 *
 * <p>Windows are tagged, not keyed: the common case adds to the current window under the condition that it is still
 * current and has room. When the condition fails, DynamoDB returns the item as it was
 * ({@code ReturnValuesOnConditionCheckFailure}), and the ledger either refuses (no room: the item says what is used)
 * or writes again, opening the new window with a condition on the old one (a window rolled, the item is new, or
 * forgotten slot buckets leave the total). No read precedes a write; a few attempts resolve races at a boundary.
 *
 * <p>Cost per request and limited scope: one conditional write to reserve (two on a window's first request) and one
 * to settle when the real charge differs or a slot is held; scopes without limits cost nothing.
 */
public final class DynamoDbQuotaLedger implements QuotaLedger {
    static final String MINUTE = "m";
    static final String REQUESTS = "rq";
    static final String TOKENS = "tk";
    static final String DAY = "d";
    static final String MICROS_DAY = "dc";
    static final String MONTH = "mo";
    static final String MICROS_MONTH = "mc";
    /** Concurrency slots held: the sum of the {@link #SLOT_BUCKET} counters still in play. */
    static final String SLOTS = "ct";
    /** The prefix of one start bucket's slot counter, {@code c<bucket>}. */
    static final String SLOT_BUCKET = "c";

    private static final int MAX_ATTEMPTS = 6;
    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration maxRequestDuration;

    public DynamoDbQuotaLedger(DynamoDbClient dynamo, String table, Duration maxRequestDuration) {
        this.dynamo = dynamo;
        this.table = table;
        this.maxRequestDuration = maxRequestDuration;
    }

    public DynamoDbQuotaLedger(DynamoDbClient dynamo, String table) {
        this(dynamo, table, DEFAULT_MAX_REQUEST_DURATION);
    }

    @Override
    public Taking reserve(String scopeId, Limits limits, Charge charge, int wantsSlots, Instant now) {
        int slots = limits.maxConcurrent() > 0 ? wantsSlots : 0;
        long bucket = slots > 0 ? SlotBuckets.bucketAt(now) : -1;
        if (!ScopeUsage.NONE.admits(limits, charge, slots)) {
            return new Taking.Refused(ScopeUsage.NONE); // more than the limit itself: no write can help
        }
        Map<String, AttributeValue> seen = null; // null: assume the item exists and its windows are current
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Windows windows = CounterItem.windowsFor(Windows.at(now), seen);
            UpdateItemRequest request = reserveRequest(
                    table, scopeId, limits, charge, bucket, slots, windows, now, maxRequestDuration, seen);
            try {
                Map<String, AttributeValue> item = dynamo.updateItem(request).attributes();
                forgetStaleBuckets(scopeId, item, bucket, now);
                return new Taking.Taken(
                        new Reservation(scopeId, limits, charge, bucket, slots, windows, 0),
                        CounterItem.usage(item, windows, now, maxRequestDuration));
            } catch (ConditionalCheckFailedException failed) {
                seen = failed.hasItem() ? failed.item() : Map.of();
                ScopeUsage current =
                        CounterItem.usage(seen, CounterItem.windowsFor(Windows.at(now), seen), now, maxRequestDuration);
                if (!current.admits(limits, charge, slots)) {
                    return new Taking.Refused(current);
                }
            } catch (SdkException e) {
                throw AwsFailures.translate(e);
            }
        }
        throw GatewayException.serviceUnavailable("The quota store is busy; retry the request.", 1, null);
    }

    /**
     * Removes slot buckets that no longer matter, seen in the item just written: emptied ones of past buckets, and
     * forgotten ones (their count leaves the total). Happens about once per bucket and scope; best effort, since the
     * next write that finds them does the same.
     */
    private void forgetStaleBuckets(String scopeId, Map<String, AttributeValue> item, long current, Instant now) {
        Map<String, Long> stale = CounterItem.staleBuckets(item, current, now, maxRequestDuration);
        if (stale.isEmpty()) {
            return;
        }
        UpdateExpression update = new UpdateExpression();
        update.forgetBuckets(stale);
        try {
            dynamo.updateItem(update.request(table, scopeId).build());
        } catch (SdkException changedOrUnavailable) { // a failed condition is an SdkException too
            // another writer got there first, or the store is busy: a later write finds them again
        }
    }

    @Override
    public void settle(Reservation reservation, Charge actual, Instant now) {
        Map<String, AttributeValue> seen = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            UpdateItemRequest request = settleRequest(table, reservation, actual, Windows.at(now), seen);
            if (request == null) {
                return;
            }
            try {
                dynamo.updateItem(request);
                return;
            } catch (ConditionalCheckFailedException failed) {
                if (!failed.hasItem() || failed.item().isEmpty()) {
                    return; // the item expired: nothing left to settle
                }
                seen = failed.item(); // a window rolled meanwhile: settle what is still current
            } catch (SdkException e) {
                throw AwsFailures.translate(e);
            }
        }
    }

    /**
     * The conditional update that reserves {@code charge}; SnapStart priming builds it here too, so the two cannot
     * drift.
     *
     * @param slotBucket the start bucket of the slots taken, or -1 for none
     * @param slots      how many slots are taken in {@code slotBucket}
     * @param seen       the item as the last refused attempt returned it, or null for the first attempt
     */
    public static UpdateItemRequest reserveRequest(
            String table,
            String scopeId,
            Limits limits,
            Charge charge,
            long slotBucket,
            int slots,
            Windows windows,
            Instant now,
            Duration maxRequestDuration,
            Map<String, AttributeValue> seen) {
        UpdateExpression update = new UpdateExpression();
        if (limits.requestsPerMinute() > 0 || limits.tokensPerMinute() > 0) {
            List<Counted> counted = new ArrayList<>(2);
            counted.add(new Counted(REQUESTS, charge.requests(), limits.requestsPerMinute()));
            counted.add(new Counted(TOKENS, charge.tokens(), limits.tokensPerMinute()));
            update.window(MINUTE, windows.minute(), seen, counted);
        }
        if (limits.budgetMicrosPerDay() > 0) {
            update.window(
                    DAY,
                    windows.day(),
                    seen,
                    List.of(new Counted(MICROS_DAY, charge.micros(), limits.budgetMicrosPerDay())));
        }
        if (limits.budgetMicrosPerMonth() > 0) {
            update.window(
                    MONTH,
                    windows.month(),
                    seen,
                    List.of(new Counted(MICROS_MONTH, charge.micros(), limits.budgetMicrosPerMonth())));
        }
        if (slotBucket >= 0) {
            update.slot(
                    slotBucket,
                    slots,
                    limits.maxConcurrent(),
                    seen == null ? Map.of() : CounterItem.agedBuckets(seen, now, maxRequestDuration));
        }
        update.set(SluiceTables.EXPIRES_AT, Attributes.n(CounterItem.expiry(windows, now.plus(maxRequestDuration))));
        return update.request(table, scopeId)
                .returnValues(ReturnValue.ALL_NEW)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** The update that settles a reservation, or null when nothing changes (same charge, no slot). */
    static UpdateItemRequest settleRequest(
            String table, Reservation reservation, Charge actual, Windows now, Map<String, AttributeValue> seen) {
        Limits limits = reservation.limits();
        Charge reserved = reservation.charge();
        Windows then = reservation.windows();
        UpdateExpression update = new UpdateExpression();
        if (current(MINUTE, then.minute(), now.minute(), seen)) {
            List<Counted> deltas = new ArrayList<>(2);
            if (limits.requestsPerMinute() > 0) {
                deltas.add(new Counted(REQUESTS, actual.requests() - reserved.requests(), 0));
            }
            if (limits.tokensPerMinute() > 0) {
                deltas.add(new Counted(TOKENS, actual.tokens() - reserved.tokens(), 0));
            }
            update.adjust(MINUTE, then.minute(), deltas);
        }
        long micros = actual.micros() - reserved.micros();
        if (limits.budgetMicrosPerDay() > 0 && current(DAY, then.day(), now.day(), seen)) {
            update.adjust(DAY, then.day(), List.of(new Counted(MICROS_DAY, micros, 0)));
        }
        if (limits.budgetMicrosPerMonth() > 0 && current(MONTH, then.month(), now.month(), seen)) {
            update.adjust(MONTH, then.month(), List.of(new Counted(MICROS_MONTH, micros, 0)));
        }
        String bucket = SLOT_BUCKET + reservation.slotBucket();
        if (reservation.holdsSlot() && (seen == null || seen.containsKey(bucket))) {
            update.releaseSlots(bucket, reservation.slots()); // a bucket already forgotten took its slots with it
        }
        if (update.isEmpty()) {
            return null;
        }
        update.requireExists(SluiceTables.COUNTER);
        return update.request(table, reservation.scopeId())
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** A window still worth settling: not rolled by this clock, nor (after a refusal) in the item. */
    private static boolean current(String window, long reserved, long now, Map<String, AttributeValue> seen) {
        if (reserved < now) {
            return false;
        }
        return seen == null || Attributes.number(seen, window, -1) == reserved;
    }

    /** One counted value of a window: its attribute, the amount (or delta) and its limit (0: none). */
    record Counted(String attribute, long amount, long limit) {}
}
