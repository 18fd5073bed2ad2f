package dev.sluice.quota;

import java.time.Duration;
import java.time.Instant;

/**
 * Shared counters every instance of the gateway sees: the one port behind admission, so the strategy behind it (one
 * conditional write per scope and request today; local leases or speculative admission later) can change without
 * touching the stages.
 *
 * <p>The contract: {@link #reserve} takes a charge (and a concurrency slot) from every limited dimension of a scope in
 * one atomic, conditional step (never read-then-write), so any number of concurrent callers admit at most each limit;
 * {@link #settle} replaces the reserved charge by the real one and frees the slot. A slot that is never settled (a
 * crashed instance) comes back after the ledger's maximum request duration plus one {@link SlotBuckets bucket}.
 * Dimensions without a limit are not counted.
 */
public interface QuotaLedger {
    /** API Gateway's longest stream: a slot never settled (a crashed instance) is forgotten after it. */
    Duration DEFAULT_MAX_REQUEST_DURATION = Duration.ofMinutes(15);

    /**
     * Takes {@code charge} from {@code scopeId} unless a limit would be exceeded.
     *
     * @param takesSlot whether the charge takes a concurrency slot (when {@code limits.maxConcurrent() > 0}); false for an
     *                  extension of a reservation that holds one already
     */
    default Taking reserve(String scopeId, Limits limits, Charge charge, boolean takesSlot, Instant now) {
        return reserve(scopeId, limits, charge, takesSlot ? 1 : 0, now);
    }

    /**
     * Takes {@code charge} and {@code slots} concurrency slots (counted only when {@code limits.maxConcurrent() > 0})
     * from {@code scopeId} in one atomic step, unless a limit would be exceeded: a {@link LeasedQuotaLedger lease}
     * takes a block of both at once.
     */
    Taking reserve(String scopeId, Limits limits, Charge charge, int slots, Instant now);

    /**
     * Takes {@code charge} from what this instance already holds in memory (a {@link LeasedQuotaLedger lease}),
     * without waiting for any store; null when that is not possible and {@link #reserve} must be called. Admission
     * tries it first so that a request admitted from memory starts no thread and waits for nothing.
     */
    default Taking.Taken reserveFromMemory(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
        return null;
    }

    /**
     * True when settling {@code reservation} needs no store (it was spent from a lease): settlement then runs it
     * inline instead of on a thread of its own.
     */
    default boolean settlesInMemory(Reservation reservation) {
        return false;
    }

    /**
     * Replaces what {@code reservation} took by {@code actual} in the windows that are still current, and frees its
     * slot. {@link Charge#ZERO} undoes a reservation entirely (compensation when another scope refused).
     */
    void settle(Reservation reservation, Charge actual, Instant now);

    /** The answer of {@link #reserve}. */
    sealed interface Taking {
        /** @param after the scope's usage including this charge, for the rate-limit headers */
        record Taken(Reservation reservation, ScopeUsage after) implements Taking {}

        /** @param current the scope's usage that left no room, for the answer and for clamping the output */
        record Refused(ScopeUsage current) implements Taking {}
    }
}
