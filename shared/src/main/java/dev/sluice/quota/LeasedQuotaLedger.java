package dev.sluice.quota;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission off the request path: a gateway instance takes a block of a busy scope's limits from the shared counters
 * with one conditional write (a <em>lease</em>) and admits that scope's requests from it in memory, so a request
 * waits for no write at all. A decorator of the shared {@link QuotaLedger} (DynamoDB, possibly sharded).
 *
 * <p><b>Never over a limit.</b> Every request admitted locally fits inside blocks the shared ledger took with its
 * conditional writes, so the admitted total of all instances stays within every limit, as with one write per
 * request. A request that finishes gives its unused worst case back to the lease, where the next request can use
 * it; the lease settles with the shared counters once, with the real total, when it is retired and its last request
 * has ended.
 *
 * <p><b>Under-admission is bounded.</b> What a lease holds and has not spent is unavailable to other instances until
 * the lease is retired (after {@link #IDLE} without a request, when its window or slot bucket ends, when a top-up is
 * refused, or on {@link #close()}). Blocks are sized so that this stays small: about {@link #LEASE_SPAN} of this
 * instance's own rate for the scope, at most {@code 1/}{@value #HEADROOM_SHARE} of the room the scope had left when
 * last seen, and at most {@code 1/}{@value #BUDGET_SHARE} of a budget. Near a limit the blocks shrink below
 * {@value #MIN_BLOCK} requests and the scope falls back to one exact reservation per request. A scope this instance
 * sees fewer than {@value #MIN_BLOCK} requests a second of is never leased: quiet keys stay exact.
 *
 * <p><b>Windows and slots.</b> A lease admits only within the minute (hence day and month) its blocks were taken in,
 * and only within the {@link SlotBuckets slot bucket} its concurrency slots were taken in, so a slot a crashed
 * instance never returned is forgotten on the same schedule as one request's. A crashed instance strands what its
 * leases held: the minute's share until the minute ends, at most a hundredth of a budget until the day or month ends,
 * and its slots until their bucket ages. That is why leases suit long-lived instances (the dev stack, Lambda Managed
 * Instances) and are off by default in one-request-per-environment Lambda, where an environment is frozen between
 * requests and a lease would rarely serve a second one.
 *
 * <p><b>Cost.</b> A request admitted from a lease costs a lock and a few additions; a block costs one conditional
 * write, taken in the background when less than half of the last block is left, and one settlement write when the
 * lease ends. So at a steady rate a scope costs about two writes a second per instance instead of two per request.
 */
public final class LeasedQuotaLedger implements QuotaLedger, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeasedQuotaLedger.class);

    /** A block covers about this long of the instance's rate for the scope. */
    static final Duration LEASE_SPAN = Duration.ofSeconds(1);
    /** A block takes at most this share of the room the scope had left. */
    static final long HEADROOM_SHARE = 4;
    /** A block takes at most this share of a daily or monthly budget: what a crashed instance can strand. */
    static final long BUDGET_SHARE = 100;
    /** Fewer requests than this in a block, and the scope is reserved per request instead. */
    static final long MIN_BLOCK = 2;
    /** The largest block, in requests. */
    static final long MAX_BLOCK = 2_000;
    /** A lease without a request for this long is retired and its unused part returned. */
    static final Duration IDLE = Duration.ofSeconds(2);
    /** How long a request waits for another request's top-up of the same scope before reserving on its own. */
    private static final Duration TOP_UP_WAIT = Duration.ofSeconds(2);
    /** A scope not seen for this long is forgotten (its rate, its last usage). */
    private static final Duration FORGET = Duration.ofMinutes(2);

    private final QuotaLedger shared;
    private final Map<String, ScopeLeases> scopes = new ConcurrentHashMap<>();
    private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicLong leaseIds = new AtomicLong();
    private final ScheduledExecutorService sweeper;
    /** Set by {@link #close()}: a block that arrives afterwards is given back at once. */
    private volatile boolean closing;

    private final Clock clock;

    /**
     * @param clock what retiring idle leases and {@link #close()} go by
     * @param sweep whether a background thread retires idle leases every second (tests call {@link #retireIdle})
     */
    public LeasedQuotaLedger(QuotaLedger shared, Clock clock, boolean sweep) {
        this.shared = shared;
        this.clock = clock;
        if (sweep) {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("quota-leases").daemon().factory());
            sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        } else {
            this.sweeper = null;
        }
    }

    /**
     * {@code SLUICE_QUOTA_LEASES}: {@code on} wraps {@code shared} in leases, {@code off} leaves it as it is;
     * {@code defaultOn} decides when the variable is unset.
     */
    public static QuotaLedger fromEnvironment(QuotaLedger shared, Map<String, String> env, boolean defaultOn) {
        String value = env.getOrDefault("SLUICE_QUOTA_LEASES", defaultOn ? "on" : "off")
                .strip()
                .toLowerCase(Locale.ROOT);
        return switch (value) {
            case "on", "true" -> new LeasedQuotaLedger(shared, Clock.systemUTC(), true);
            case "off", "false" -> shared;
            default -> throw new IllegalArgumentException("SLUICE_QUOTA_LEASES must be on or off, not " + value);
        };
    }

    @Override
    public Taking reserve(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
        int wanted = limits.maxConcurrent() > 0 ? slots : 0;
        ScopeLeases scope = scope(scopeId);
        List<Lease> retired = new ArrayList<>(0);
        try {
            boolean counted = false;
            for (int attempt = 0; attempt < 3; attempt++) {
                Plan plan;
                CompletableFuture<Void> pending;
                synchronized (scope) {
                    if (!counted) {
                        scope.count(now);
                        counted = true;
                    }
                    Taking.Taken local = scope.takeLocally(limits, charge, wanted, now, retired);
                    if (local != null) {
                        refillInTheBackground(scope, now);
                        return local;
                    }
                    pending = scope.topUp;
                    plan = pending == null ? scope.plan(limits, charge, wanted, now) : null;
                    if (pending == null && plan == null) {
                        break; // not worth a lease (quiet, or near a limit): reserve exactly
                    }
                }
                if (pending != null) {
                    if (!await(pending)) {
                        break;
                    }
                    continue;
                }
                if (!topUp(scope, plan)) {
                    break; // the block was refused: the room left is smaller than a block
                }
            }
            Taking direct = shared.reserve(scopeId, limits, charge, slots, now);
            synchronized (scope) {
                scope.seen = switch (direct) {
                    case Taking.Taken taken -> taken.after();
                    case Taking.Refused refused -> refused.current();
                };
                scope.seenLimits = limits;
            }
            return direct;
        } finally {
            closeAll(retired, now);
        }
    }

    @Override
    public Taking.Taken reserveFromMemory(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
        int wanted = limits.maxConcurrent() > 0 ? slots : 0;
        ScopeLeases scope = scopes.get(scopeId);
        if (scope == null) {
            return null;
        }
        List<Lease> retired = new ArrayList<>(0);
        try {
            synchronized (scope) {
                if (scope.forgotten) {
                    return null;
                }
                Taking.Taken local = scope.takeLocally(limits, charge, wanted, now, retired);
                if (local == null) {
                    return null; // reserve() counts this request and tops the lease up
                }
                scope.count(now);
                refillInTheBackground(scope, now);
                return local;
            }
        } finally {
            closeAll(retired, now);
        }
    }

    /** A reservation spent from a lease settles in memory, unless it is the last of a retired lease (rare). */
    @Override
    public boolean settlesInMemory(Reservation reservation) {
        return reservation.lease() != 0;
    }

    @Override
    public void settle(Reservation reservation, Charge actual, Instant now) {
        if (reservation.lease() == 0) {
            shared.settle(reservation, actual, now);
            return;
        }
        Lease lease = leases.get(reservation.lease());
        if (lease == null) {
            return; // settled already: a reservation is settled once
        }
        boolean last;
        synchronized (lease.scope) {
            lease.spend(reservation.charge(), -1);
            lease.spend(actual, 1);
            lease.usedSlots -= reservation.slots();
            lease.inFlight--;
            last = lease.retired && lease.inFlight == 0;
        }
        if (last) {
            closeAll(List.of(lease), now);
        }
    }

    /**
     * Retires every lease not used for {@link #IDLE} or past its window, and settles those without a request in
     * flight; forgets scopes not seen for a while. The background sweep calls it every second.
     */
    void retireIdle(Instant now) {
        List<Lease> retired = new ArrayList<>();
        for (ScopeLeases scope : scopes.values()) {
            synchronized (scope) {
                Lease lease = scope.current;
                if (lease != null && (lease.lastUse.plus(IDLE).isBefore(now) || !lease.admitsAt(lease.limits, now))) {
                    scope.retire(retired);
                }
                if (scope.current == null
                        && scope.topUp == null
                        && scope.lastSeen.plus(FORGET).isBefore(now)) {
                    scope.forgotten = true;
                    scopes.remove(scope.id, scope);
                }
            }
        }
        closeAll(retired, now);
    }

    /** Retires every lease and settles those without a request in flight (the rest settle as their last one ends). */
    @Override
    public void close() {
        closing = true;
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        List<Lease> retired = new ArrayList<>();
        for (ScopeLeases scope : scopes.values()) {
            CompletableFuture<Void> pending;
            synchronized (scope) {
                pending = scope.topUp;
            }
            if (pending != null) {
                await(pending); // its block is attached or given back before the leases are settled
            }
            synchronized (scope) {
                scope.retire(retired);
            }
        }
        closeAll(retired, clock.instant());
    }

    /** Leases open now (admitting or waiting for their last request), for tests. */
    int openLeases() {
        return leases.size();
    }

    private ScopeLeases scope(String scopeId) {
        while (true) {
            ScopeLeases scope = scopes.computeIfAbsent(scopeId, ScopeLeases::new);
            synchronized (scope) {
                if (!scope.forgotten) {
                    return scope;
                }
            }
        }
    }

    private void sweep() {
        try {
            retireIdle(clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("retiring idle quota leases failed; the next sweep tries again", e);
        }
    }

    private static boolean await(CompletableFuture<Void> pending) {
        try {
            pending.get(TOP_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** Starts a top-up when the lease runs low and none is under way; the caller holds the scope's monitor. */
    private void refillInTheBackground(ScopeLeases scope, Instant now) {
        Plan refill = scope.refillPlan(now);
        if (refill != null) {
            Thread.ofVirtual().name("quota-lease").start(() -> topUpQuietly(scope, refill));
        }
    }

    private void topUpQuietly(ScopeLeases scope, Plan plan) {
        try {
            topUp(scope, plan);
        } catch (RuntimeException e) {
            LOG.warn("a background quota lease top-up failed; requests reserve on their own until the next", e);
        }
    }

    /**
     * Takes the planned block from the shared ledger and adds it to the scope's lease (or opens a new lease with it).
     * The caller set {@code scope.topUp}; this completes and clears it whatever happens.
     *
     * @return false when the block was refused, so the request reserves exactly instead
     */
    private boolean topUp(ScopeLeases scope, Plan plan) {
        List<Lease> retired = new ArrayList<>(0);
        CompletableFuture<Void> done;
        Reservation undo = null;
        synchronized (scope) {
            done = scope.topUp;
        }
        try {
            Taking taking = shared.reserve(scope.id, plan.limits, plan.charge, plan.slots, plan.now);
            synchronized (scope) {
                scope.seenLimits = plan.limits;
                switch (taking) {
                    case Taking.Taken taken -> {
                        scope.seen = taken.after();
                        if (closing) {
                            undo = taken.reservation();
                            return false;
                        }
                        scope.attach(taken.reservation(), plan, retired);
                        return true;
                    }
                    case Taking.Refused refused -> {
                        scope.seen = refused.current();
                        scope.retire(retired);
                        return false;
                    }
                }
            }
        } finally {
            synchronized (scope) {
                scope.topUp = null;
            }
            done.complete(null);
            closeAll(retired, plan.now);
            if (undo != null) {
                shared.settle(undo, Charge.ZERO, plan.now); // taken while the ledger closed: nobody will spend it
            }
        }
    }

    /** Settles retired leases whose last request has ended: each block gets its part of what the lease really used. */
    private void closeAll(List<Lease> retired, Instant now) {
        for (Lease lease : retired) {
            List<Reservation> blocks;
            Charge used;
            synchronized (lease.scope) {
                if (lease.closed || lease.inFlight > 0) {
                    continue;
                }
                lease.closed = true;
                blocks = List.copyOf(lease.blocks);
                used = new Charge(lease.usedRequests, lease.usedTokens, lease.usedMicros);
            }
            leases.remove(lease.id);
            settleBlocks(blocks, used, now);
        }
    }

    /** Hands {@code used} out over the blocks in order, each up to what it reserved, the last taking any excess. */
    private void settleBlocks(List<Reservation> blocks, Charge used, Instant now) {
        long requests = used.requests();
        long tokens = used.tokens();
        long micros = used.micros();
        for (int i = 0; i < blocks.size(); i++) {
            Reservation block = blocks.get(i);
            Charge reserved = block.charge();
            boolean last = i == blocks.size() - 1;
            Charge part = new Charge(
                    last ? requests : Math.min(requests, reserved.requests()),
                    last ? tokens : Math.min(tokens, reserved.tokens()),
                    last ? micros : Math.min(micros, reserved.micros()));
            requests -= part.requests();
            tokens -= part.tokens();
            micros -= part.micros();
            try {
                shared.settle(block, part, now);
            } catch (RuntimeException e) {
                LOG.warn(
                        "settling a quota lease failed; its block stands (counted, never under) and its slots expire",
                        e);
            }
        }
    }

    /** What a top-up takes from the shared ledger: a block of charges and slots, for requests of {@code limits}. */
    record Plan(Limits limits, Charge charge, int slots, Instant now) {}

    /** One scope's leases on this instance, its recent rate and the usage last seen; guarded by its own monitor. */
    private final class ScopeLeases {
        final String id;
        Lease current;
        ScopeUsage seen;
        Limits seenLimits;
        CompletableFuture<Void> topUp;
        boolean forgotten;
        Instant lastSeen = Instant.EPOCH;
        /** The charge, limits and slots of the last request, which a background refill sizes its block by. */
        Charge lastCharge;

        Limits lastLimits;
        int lastSlots;
        long lastBlockRequests;
        int lastBlockSlots;
        /** Admissions per second: the last whole second's count, smoothed, and the current second's so far. */
        long second = Long.MIN_VALUE;

        long thisSecond;
        double rate;

        ScopeLeases(String id) {
            this.id = id;
        }

        void count(Instant now) {
            long s = now.getEpochSecond();
            if (s != second) {
                rate = s == second + 1 ? (rate + thisSecond) / 2 : 0;
                second = s;
                thisSecond = 0;
            }
            thisSecond++;
            lastSeen = now;
        }

        double rate() {
            return Math.max(rate, thisSecond);
        }

        /** Admits from the current lease when it is valid and has room; retires it when it is no longer valid. */
        Taking.Taken takeLocally(Limits limits, Charge charge, int slots, Instant now, List<Lease> retired) {
            lastCharge = charge;
            lastLimits = limits;
            lastSlots = slots;
            Lease lease = current;
            if (lease == null) {
                return null;
            }
            if (!lease.admitsAt(limits, now)) {
                retire(retired);
                return null;
            }
            if (!lease.fits(charge, slots)) {
                return null;
            }
            lease.spend(charge, 1);
            lease.usedSlots += slots;
            lease.inFlight++;
            lease.lastUse = now;
            Reservation reservation = new Reservation(
                    id, limits, charge, slots > 0 ? lease.slotBucket : -1, slots, lease.windows, lease.id);
            return new Taking.Taken(reservation, lease.estimate(seen));
        }

        /** A block for a request the lease could not admit, or null when this scope should reserve exactly. */
        Plan plan(Limits limits, Charge charge, int slots, Instant now) {
            if (seen == null || !limits.equals(seenLimits)) {
                return null; // nothing known of the room left: the exact reservation tells
            }
            Lease lease = current;
            boolean chargeShort = lease == null || !lease.fitsCharge(charge);
            boolean slotsShort = slots > 0 && (lease == null || !lease.fitsSlots(slots));
            return block(limits, charge, chargeShort, slotsShort, now);
        }

        /** A background block when the lease runs low, or null; marks the top-up as started. */
        Plan refillPlan(Instant now) {
            Lease lease = current;
            if (topUp != null || lease == null || lastCharge == null) {
                return null;
            }
            boolean chargeLow = lastBlockRequests > 0 && lease.roomFor(lastCharge) * 2 < lastBlockRequests;
            boolean slotsLow = lastSlots > 0
                    && lastBlockSlots > 0
                    && (long) (lease.grantedSlots - lease.usedSlots) * 2 < lastBlockSlots;
            if (!chargeLow && !slotsLow) {
                return null;
            }
            return block(lastLimits, lastCharge, chargeLow, slotsLow, now);
        }

        private Plan block(Limits limits, Charge charge, boolean chargeShort, boolean slotsShort, Instant now) {
            long requests = chargeShort ? blockRequests(limits, charge) : 0;
            int slots = slotsShort ? blockSlots(limits) : 0;
            if ((chargeShort && requests < MIN_BLOCK) || (slotsShort && slots < MIN_BLOCK)) {
                return null;
            }
            lastBlockRequests = chargeShort ? requests : lastBlockRequests;
            lastBlockSlots = slotsShort ? slots : lastBlockSlots;
            topUp = new CompletableFuture<>();
            Charge block =
                    new Charge(charge.requests() * requests, charge.tokens() * requests, charge.micros() * requests);
            return new Plan(limits, block, slots, now);
        }

        /** Requests' worth in a block: the rate over {@link #LEASE_SPAN}, within a share of every room left. */
        private long blockRequests(Limits limits, Charge charge) {
            long n = Math.min(MAX_BLOCK, (long) Math.ceil(rate() * LEASE_SPAN.toMillis() / 1000.0));
            n = Math.min(n, share(limits.requestsPerMinute(), seen.requests(), charge.requests(), 0));
            n = Math.min(n, share(limits.tokensPerMinute(), seen.tokens(), charge.tokens(), 0));
            n = Math.min(n, share(limits.budgetMicrosPerDay(), seen.microsToday(), charge.micros(), BUDGET_SHARE));
            n = Math.min(
                    n, share(limits.budgetMicrosPerMonth(), seen.microsThisMonth(), charge.micros(), BUDGET_SHARE));
            return n;
        }

        /** Slots in a block: half as many again as the lease has in flight, within a share of the slots left. */
        private int blockSlots(Limits limits) {
            long inFlight = current == null ? 0 : current.inFlight;
            long n = Math.max(MIN_BLOCK, inFlight / 2 + 1);
            n = Math.min(n, (limits.maxConcurrent() - seen.concurrent()) / HEADROOM_SHARE);
            return (int) Math.max(0, Math.min(n, MAX_BLOCK));
        }

        /** How many {@code each} fit in a share of the room a limit leaves (and of the limit, for budgets). */
        private static long share(long limit, long used, long each, long ofLimit) {
            if (limit == 0 || each == 0) {
                return Long.MAX_VALUE;
            }
            long room = Math.max(0, limit - used) / HEADROOM_SHARE;
            if (ofLimit > 0) {
                room = Math.min(room, limit / ofLimit);
            }
            return room / each;
        }

        /** Adds a block the shared ledger took to the current lease, or opens a new lease with it. */
        void attach(Reservation block, Plan plan, List<Lease> retired) {
            Lease lease = current;
            if (lease == null || !lease.accepts(block, plan.limits)) {
                retire(retired);
                lease = new Lease(leaseIds.incrementAndGet(), this, plan.limits, block.windows(), plan.now);
                leases.put(lease.id, lease);
                current = lease;
            }
            lease.add(block);
        }

        /** Stops the current lease admitting; it is settled once its last request ends. */
        void retire(List<Lease> retired) {
            if (current != null) {
                current.retired = true;
                retired.add(current);
                current = null;
            }
        }
    }

    /** A lease: blocks of one scope's limits, all in the same windows, spent by this instance's requests. */
    private static final class Lease {
        final long id;
        final ScopeLeases scope;
        final Limits limits;
        final Windows windows;
        long slotBucket = -1;
        final List<Reservation> blocks = new ArrayList<>(2);
        long grantedRequests;
        long grantedTokens;
        long grantedMicros;
        int grantedSlots;
        long usedRequests;
        long usedTokens;
        long usedMicros;
        int usedSlots;
        int inFlight;
        boolean retired;
        boolean closed;
        Instant lastUse;

        Lease(long id, ScopeLeases scope, Limits limits, Windows windows, Instant opened) {
            this.id = id;
            this.scope = scope;
            this.limits = limits;
            this.windows = windows;
            this.lastUse = opened;
        }

        /** Admits requests of these limits now: not retired, same limits, same windows, same slot bucket. */
        boolean admitsAt(Limits requestLimits, Instant now) {
            return !retired
                    && limits.equals(requestLimits)
                    && windows.equals(Windows.at(now))
                    && (slotBucket < 0 || slotBucket == SlotBuckets.bucketAt(now));
        }

        /** @param blockLimits the limits the block was taken for (a sharded block carries its shard's share) */
        boolean accepts(Reservation block, Limits blockLimits) {
            return !retired
                    && blockLimits.equals(limits)
                    && block.windows().equals(windows)
                    && (block.slots() == 0 || slotBucket < 0 || block.slotBucket() == slotBucket);
        }

        void add(Reservation block) {
            blocks.add(block);
            grantedRequests += block.charge().requests();
            grantedTokens += block.charge().tokens();
            grantedMicros += block.charge().micros();
            if (block.slots() > 0) {
                slotBucket = block.slotBucket();
                grantedSlots += block.slots();
            }
        }

        boolean fits(Charge charge, int slots) {
            return fitsCharge(charge) && (slots == 0 || fitsSlots(slots));
        }

        boolean fitsCharge(Charge charge) {
            return roomFor(charge) >= 1;
        }

        boolean fitsSlots(int slots) {
            return usedSlots + slots <= grantedSlots;
        }

        /** How many more of {@code charge} the lease holds, in the dimensions its limits count. */
        long roomFor(Charge charge) {
            long n = Long.MAX_VALUE;
            if (limits.requestsPerMinute() > 0) {
                n = Math.min(n, room(grantedRequests - usedRequests, charge.requests()));
            }
            if (limits.tokensPerMinute() > 0) {
                n = Math.min(n, room(grantedTokens - usedTokens, charge.tokens()));
            }
            if (limits.budgetMicrosPerDay() > 0 || limits.budgetMicrosPerMonth() > 0) {
                n = Math.min(n, room(grantedMicros - usedMicros, charge.micros()));
            }
            return n;
        }

        private static long room(long left, long each) {
            if (each == 0) {
                return left >= 0 ? Long.MAX_VALUE : 0;
            }
            return Math.max(0, left) / each;
        }

        void spend(Charge charge, long sign) {
            usedRequests += sign * charge.requests();
            usedTokens += sign * charge.tokens();
            usedMicros += sign * charge.micros();
        }

        /** The scope's usage for the rate-limit headers: what was last seen, less what this lease holds unspent. */
        ScopeUsage estimate(ScopeUsage seen) {
            ScopeUsage base = seen == null ? ScopeUsage.NONE : seen;
            return new ScopeUsage(
                    Math.max(0, base.requests() - (grantedRequests - usedRequests)),
                    Math.max(0, base.tokens() - (grantedTokens - usedTokens)),
                    Math.max(0, base.microsToday() - (grantedMicros - usedMicros)),
                    Math.max(0, base.microsThisMonth() - (grantedMicros - usedMicros)),
                    Math.max(0, base.concurrent() - (grantedSlots - usedSlots)));
        }
    }
}
