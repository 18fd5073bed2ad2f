package dev.sluice.quota;

/**
 * The limits of one scope (a tenant, a key, a session token). Zero means "no limit" in that dimension, so a tenant or
 * key created without limits is usable and costs no counter write.
 *
 * @param requestsPerMinute    admitted requests per calendar minute
 * @param tokensPerMinute      prompt plus output tokens per calendar minute (reserved worst case, then settled)
 * @param maxConcurrent        requests in flight at once
 * @param budgetMicrosPerDay   spend per UTC day, in micro-USD
 * @param budgetMicrosPerMonth spend per UTC calendar month, in micro-USD
 */
public record Limits(
        long requestsPerMinute,
        long tokensPerMinute,
        long maxConcurrent,
        long budgetMicrosPerDay,
        long budgetMicrosPerMonth) {
    public static final Limits NONE = new Limits(0, 0, 0, 0, 0);

    public Limits {
        if (requestsPerMinute < 0
                || tokensPerMinute < 0
                || maxConcurrent < 0
                || budgetMicrosPerDay < 0
                || budgetMicrosPerMonth < 0) {
            throw new IllegalArgumentException("limits must be >= 0 (0 means no limit)");
        }
    }

    public static Limits requestsPerMinute(long rpm) {
        return new Limits(rpm, 0, 0, 0, 0);
    }

    public boolean isNone() {
        return equals(NONE);
    }

    /** True when admission must know the most a request can cost: a token or money limit is set. */
    public boolean boundsOutput() {
        return tokensPerMinute > 0 || budgetMicrosPerDay > 0 || budgetMicrosPerMonth > 0;
    }

    /** Each dimension the tighter of the two (a zero, "no limit", never wins): how a key narrows its tenant. */
    public Limits narrowedBy(Limits other) {
        return new Limits(
                tighter(requestsPerMinute, other.requestsPerMinute),
                tighter(tokensPerMinute, other.tokensPerMinute),
                tighter(maxConcurrent, other.maxConcurrent),
                tighter(budgetMicrosPerDay, other.budgetMicrosPerDay),
                tighter(budgetMicrosPerMonth, other.budgetMicrosPerMonth));
    }

    /**
     * True when no dimension of {@code inner} is looser than this one's, so a key may carry {@code inner} under a tenant
     * with these limits: it may set a limit the tenant lacks, or leave one unset (the tenant's then applies alone).
     */
    public boolean contains(Limits inner) {
        return within(inner.requestsPerMinute, requestsPerMinute)
                && within(inner.tokensPerMinute, tokensPerMinute)
                && within(inner.maxConcurrent, maxConcurrent)
                && within(inner.budgetMicrosPerDay, budgetMicrosPerDay)
                && within(inner.budgetMicrosPerMonth, budgetMicrosPerMonth);
    }

    private static long tighter(long a, long b) {
        if (a == 0) {
            return b;
        }
        return b == 0 ? a : Math.min(a, b);
    }

    private static boolean within(long inner, long outer) {
        return outer == 0 || inner == 0 || inner <= outer;
    }
}
