package dev.sluice.quota;

import java.time.Instant;

/**
 * Shared counters that every instance of the gateway sees. Implementations must take a unit atomically and
 * conditionally in one step (no read-then-write), so that N concurrent callers against a limit L admit at most L.
 */
public interface QuotaLedger {

    /**
     * Adds {@code amount} to {@code counter} unless that would take it over {@code limit}.
     *
     * @param expiresAt when the counter may be forgotten (its window has passed)
     * @return true when taken, false when the limit is reached
     */
    boolean tryTake(String counter, long amount, long limit, Instant expiresAt);
}
