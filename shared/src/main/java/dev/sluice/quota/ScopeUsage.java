package dev.sluice.quota;

/**
 * What a scope has used in the current windows (a stale window counts as zero), as a ledger last saw it.
 *
 * @param concurrent requests holding a slot that has not expired
 */
public record ScopeUsage(long requests, long tokens, long microsToday, long microsThisMonth, long concurrent) {
    public static final ScopeUsage NONE = new ScopeUsage(0, 0, 0, 0, 0);

    /** True when {@code charge} (and one concurrency slot, if {@code takesSlot}) fits every limit set. */
    public boolean admits(Limits limits, Charge charge, boolean takesSlot) {
        return admits(limits, charge, takesSlot ? 1 : 0);
    }

    /** True when {@code charge} and {@code slots} concurrency slots fit every limit set. */
    public boolean admits(Limits limits, Charge charge, int slots) {
        return fits(requests, charge.requests(), limits.requestsPerMinute())
                && fits(tokens, charge.tokens(), limits.tokensPerMinute())
                && fits(microsToday, charge.micros(), limits.budgetMicrosPerDay())
                && fits(microsThisMonth, charge.micros(), limits.budgetMicrosPerMonth())
                && fits(concurrent, slots, limits.maxConcurrent());
    }

    private static boolean fits(long used, long amount, long limit) {
        return limit == 0 || used + amount <= limit;
    }
}
