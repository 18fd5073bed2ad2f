package dev.sluice.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters in one JVM's memory, with the same windows, slots and settlement as the DynamoDB ledger: the fake for unit
 * tests and SnapStart priming. Never use it to serve traffic: Lambda instances share nothing, so limits kept here
 * would be multiplied by the number of instances.
 */
public final class InMemoryQuotaLedger implements QuotaLedger {
    private final Map<String, Counters> scopes = new ConcurrentHashMap<>();
    private final Duration maxRequestDuration;

    public InMemoryQuotaLedger() {
        this(DEFAULT_MAX_REQUEST_DURATION);
    }

    public InMemoryQuotaLedger(Duration maxRequestDuration) {
        this.maxRequestDuration = maxRequestDuration;
    }

    @Override
    public Taking reserve(String scopeId, Limits limits, Charge charge, int wantsSlots, Instant now) {
        Counters counters = scopes.computeIfAbsent(scopeId, id -> new Counters());
        int slots = limits.maxConcurrent() > 0 ? wantsSlots : 0;
        Windows windows = Windows.at(now);
        synchronized (counters) {
            counters.roll(windows, now, maxRequestDuration);
            if (!counters.usage().admits(limits, charge, slots)) {
                return new Taking.Refused(counters.usage());
            }
            counters.add(limits, charge, 1);
            long bucket = slots > 0 ? SlotBuckets.bucketAt(now) : -1;
            if (slots > 0) {
                counters.slots.merge(bucket, (long) slots, Long::sum);
            }
            return new Taking.Taken(
                    new Reservation(scopeId, limits, charge, bucket, slots, windows, 0), counters.usage());
        }
    }

    @Override
    public void settle(Reservation reservation, Charge actual, Instant now) {
        Counters counters = scopes.get(reservation.scopeId());
        if (counters == null) {
            return;
        }
        synchronized (counters) {
            counters.roll(Windows.at(now), now, maxRequestDuration);
            Windows then = reservation.windows();
            Limits limits = reservation.limits();
            Limits stillCurrent = new Limits(
                    then.minute() == counters.windows.minute() ? limits.requestsPerMinute() : 0,
                    then.minute() == counters.windows.minute() ? limits.tokensPerMinute() : 0,
                    0,
                    then.day() == counters.windows.day() ? limits.budgetMicrosPerDay() : 0,
                    then.month() == counters.windows.month() ? limits.budgetMicrosPerMonth() : 0);
            counters.add(stillCurrent, reservation.charge(), -1);
            counters.add(stillCurrent, actual, 1);
            if (reservation.holdsSlot()) {
                counters.slots.computeIfPresent(reservation.slotBucket(), (bucket, held) -> held - reservation.slots());
            }
        }
    }

    /** One scope's counters; guarded by its own monitor. */
    private static final class Counters {
        Windows windows = new Windows(-1, -1, -1);
        long requests;
        long tokens;
        long microsToday;
        long microsThisMonth;
        /** Slots held, by start bucket. */
        final Map<Long, Long> slots = new HashMap<>();

        void roll(Windows now, Instant instant, Duration maxRequestDuration) {
            if (now.minute() != windows.minute()) {
                requests = 0;
                tokens = 0;
            }
            if (now.day() != windows.day()) {
                microsToday = 0;
            }
            if (now.month() != windows.month()) {
                microsThisMonth = 0;
            }
            windows = now;
            slots.keySet().removeIf(bucket -> SlotBuckets.isAged(bucket, instant, maxRequestDuration));
        }

        /** Adds (sign 1) or removes (-1) a charge in the dimensions that have a limit: the others are not counted. */
        void add(Limits limits, Charge charge, long sign) {
            requests += limits.requestsPerMinute() > 0 ? sign * charge.requests() : 0;
            tokens += limits.tokensPerMinute() > 0 ? sign * charge.tokens() : 0;
            microsToday += limits.budgetMicrosPerDay() > 0 ? sign * charge.micros() : 0;
            microsThisMonth += limits.budgetMicrosPerMonth() > 0 ? sign * charge.micros() : 0;
        }

        ScopeUsage usage() {
            long held = slots.values().stream().mapToLong(Long::longValue).sum();
            return new ScopeUsage(requests, tokens, microsToday, microsThisMonth, held);
        }
    }
}
