package dev.sluice.quota;

import java.util.Objects;

/**
 * What a ledger took from one scope for one request, to be settled once the request ends.
 *
 * @param scopeId the counter item's id, e.g. {@code tenant#acme}
 * @param limits  the scope's limits when reserved: they say which dimensions were counted
 * @param slotBucket the start bucket of the concurrency slots held ({@link SlotBuckets}), or -1 when none was taken
 * @param slots   how many slots are held in {@code slotBucket}: 1 for a request, more for a {@link LeasedQuotaLedger
 *                lease}
 * @param windows the windows the charge went into; a window that has rolled since is not settled
 * @param lease   the local lease the charge was spent from ({@link LeasedQuotaLedger}), or 0 when it was taken from the
 *                shared counters
 */
public record Reservation(
        String scopeId, Limits limits, Charge charge, long slotBucket, int slots, Windows windows, long lease) {
    public Reservation {
        Objects.requireNonNull(scopeId, "scopeId");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(charge, "charge");
        Objects.requireNonNull(windows, "windows");
        if (slots < 0 || (slotBucket < 0 && slots > 0)) {
            throw new IllegalArgumentException("slots are held in a bucket, and never fewer than none");
        }
    }

    /** A reservation in the shared counters holding one slot in {@code slotBucket}, or none when it is -1. */
    public Reservation(String scopeId, Limits limits, Charge charge, long slotBucket, Windows windows) {
        this(scopeId, limits, charge, slotBucket, slotBucket >= 0 ? 1 : 0, windows, 0);
    }

    public boolean holdsSlot() {
        return slots > 0;
    }
}
