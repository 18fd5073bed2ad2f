package dev.sluice.quota;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Splits a busy scope's counters over several items, so that one key or tenant can be admitted faster than one
 * DynamoDB item takes writes (1,000 a second; a limited request writes its scope's item twice, so about 500 requests
 * a second: docs/SCALE.md). A decorator of any {@link QuotaLedger}: a scope with large enough limits is counted on
 * {@code n} shards, {@code <scope>#s0} … {@code <scope>#s<n-1>}, each holding {@code 1/n} of every limit (rounded
 * down); a request takes its charge from one shard chosen at random and, if that one is full, from one more.
 *
 * <p>Guarantees: <b>never over a limit</b> — the shards' shares add up to at most the limit and each shard is a
 * ledger that never over-admits. <b>Under-admission</b> is possible: a request is refused when the two shards it
 * tried are full while others still have room, and the shares' rounding leaves up to {@code n - 1} units unused.
 * Random choice fills the shards evenly, so in steady state refusals start within about two requests' charge per
 * shard of the limit. Which scopes are sharded depends only on their limits (never on the request), so every
 * instance and every request of a scope counts on the same shards; changing a scope's limits across the threshold
 * moves it to other items, which start empty for the current window.
 *
 * <p>A scope is sharded only when every limit it sets leaves each shard a useful share: at least {@link
 * #MIN_REQUESTS_PER_SHARD} requests a minute, {@link #MIN_TOKENS_PER_SHARD} tokens a minute, {@link
 * #MIN_CONCURRENT_PER_SHARD} concurrent requests and {@link #MIN_MICROS_PER_SHARD} micro-USD of budget; otherwise
 * (small limits, low rates) it stays one item and exact. Cost: the same writes as unsharded, one more write only when
 * the first shard tried is full.
 */
public final class ShardedQuotaLedger implements QuotaLedger {
    static final long MIN_REQUESTS_PER_SHARD = 500;
    static final long MIN_TOKENS_PER_SHARD = 1_000_000;
    static final long MIN_CONCURRENT_PER_SHARD = 50;
    static final long MIN_MICROS_PER_SHARD = 100_000_000; // $100
    /** Shards tried per request before refusing: two keeps a refusal to two writes. */
    static final int TRIES = 2;

    private final QuotaLedger counters;
    private final int maxShards;

    /** @param maxShards the most items one scope is spread over; 1 turns sharding off */
    public ShardedQuotaLedger(QuotaLedger counters, int maxShards) {
        if (maxShards < 1) {
            throw new IllegalArgumentException("maxShards must be at least 1");
        }
        this.counters = counters;
        this.maxShards = maxShards;
    }

    /** {@code SLUICE_COUNTER_SHARDS} (default 1: off); 8 suits a scope of a few thousand requests a second. */
    public static QuotaLedger fromEnvironment(QuotaLedger counters, Map<String, String> env) {
        int shards =
                Integer.parseInt(env.getOrDefault("SLUICE_COUNTER_SHARDS", "1").strip());
        return shards <= 1 ? counters : new ShardedQuotaLedger(counters, shards);
    }

    @Override
    public Taking reserve(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
        int n = shards(limits, maxShards);
        if (n == 1) {
            return counters.reserve(scopeId, limits, charge, slots, now);
        }
        Limits share = share(limits, n);
        int first = ThreadLocalRandom.current().nextInt(n);
        Taking last = null;
        for (int i = 0; i < Math.min(TRIES, n); i++) {
            Taking taking = counters.reserve(shardId(scopeId, (first + i) % n), share, charge, slots, now);
            if (taking instanceof Taking.Taken taken) {
                return new Taking.Taken(taken.reservation(), estimateWhole(taken.after(), n));
            }
            last = taking;
        }
        return new Taking.Refused(asRoomLeft(((Taking.Refused) last).current(), limits, share));
    }

    /** The reservation names its shard and carries the shard's share, so it settles where it was taken. */
    @Override
    public void settle(Reservation reservation, Charge actual, Instant now) {
        counters.settle(reservation, actual, now);
    }

    /** How many shards a scope with these limits is counted on: the most that leave every set limit a useful share. */
    static int shards(Limits limits, int maxShards) {
        if (maxShards == 1 || limits.isNone()) {
            return 1;
        }
        long n = maxShards;
        n = Math.min(n, room(limits.requestsPerMinute(), MIN_REQUESTS_PER_SHARD));
        n = Math.min(n, room(limits.tokensPerMinute(), MIN_TOKENS_PER_SHARD));
        n = Math.min(n, room(limits.maxConcurrent(), MIN_CONCURRENT_PER_SHARD));
        n = Math.min(n, room(limits.budgetMicrosPerDay(), MIN_MICROS_PER_SHARD));
        n = Math.min(n, room(limits.budgetMicrosPerMonth(), MIN_MICROS_PER_SHARD));
        return (int) Math.max(1, n);
    }

    private static long room(long limit, long minimumShare) {
        return limit == 0 ? Long.MAX_VALUE : limit / minimumShare;
    }

    /** Each set limit divided by {@code n}, rounded down; an unset one stays unset. */
    static Limits share(Limits limits, int n) {
        return new Limits(
                limits.requestsPerMinute() / n,
                limits.tokensPerMinute() / n,
                limits.maxConcurrent() / n,
                limits.budgetMicrosPerDay() / n,
                limits.budgetMicrosPerMonth() / n);
    }

    static String shardId(String scopeId, int shard) {
        return scopeId + "#s" + shard;
    }

    /** One shard's usage as an estimate of the whole scope's, for the rate-limit headers: the shards fill evenly. */
    private static ScopeUsage estimateWhole(ScopeUsage shard, int n) {
        return new ScopeUsage(
                shard.requests() * n,
                shard.tokens() * n,
                shard.microsToday() * n,
                shard.microsThisMonth() * n,
                shard.concurrent() * n);
    }

    /**
     * A refusing shard's usage, told as the whole scope's usage with the same room left: admission then clamps the
     * output to what a shard can still take (a retry that fits is taken by some shard) and answers a full shard as a
     * reached limit, with the limit's own message.
     */
    static ScopeUsage asRoomLeft(ScopeUsage shard, Limits limits, Limits share) {
        return new ScopeUsage(
                usedLeaving(shard.requests(), limits.requestsPerMinute(), share.requestsPerMinute()),
                usedLeaving(shard.tokens(), limits.tokensPerMinute(), share.tokensPerMinute()),
                usedLeaving(shard.microsToday(), limits.budgetMicrosPerDay(), share.budgetMicrosPerDay()),
                usedLeaving(shard.microsThisMonth(), limits.budgetMicrosPerMonth(), share.budgetMicrosPerMonth()),
                usedLeaving(shard.concurrent(), limits.maxConcurrent(), share.maxConcurrent()));
    }

    private static long usedLeaving(long shardUsed, long limit, long shareLimit) {
        return limit == 0 ? shardUsed : Math.max(0, limit - Math.max(0, shareLimit - shardUsed));
    }
}
