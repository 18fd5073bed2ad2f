package dev.sluice.quota;

import java.util.Objects;

/**
 * What a ledger took from one scope for one request, to be settled once the request ends.
 *
 * @param scopeId the counter item's id, e.g. {@code tenant#acme}
 * @param limits  the scope's limits when reserved: they say which dimensions were counted
 * @param slotBucket the start bucket of the concurrency slot held ({@link SlotBuckets}), or -1 when none was taken
 * @param windows the windows the charge went into; a window that has rolled since is not settled
 */
public record Reservation(String scopeId, Limits limits, Charge charge, long slotBucket, Windows windows) {
    public Reservation {
        Objects.requireNonNull(scopeId, "scopeId");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(charge, "charge");
        Objects.requireNonNull(windows, "windows");
    }

    public boolean holdsSlot() {
        return slotBucket >= 0;
    }
}
