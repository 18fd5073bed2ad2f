package dev.sluice.quota;

import dev.sluice.error.GatewayException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Stage: admit. Reserves the worst case a request can cost (one request, one concurrency slot, its prompt's upper
 * bound plus the output it may produce, and the price of both) from every scope it must pass (tenant, key, session
 * token), all at once. When a token or money limit affords less output than asked for, the output is lowered to what
 * is affordable ({@link Grant#outputLimit()}, sent upstream as {@code max_tokens}), never below
 * {@link #OUTPUT_FLOOR}; below it the request is refused. A scope that refuses undoes the others' reservations.
 *
 * <p>Because the reservation covers the most the request can cost and every reservation is one conditional write,
 * admitted spend never exceeds a budget, whatever the concurrency, as long as the prompt bound holds (see
 * {@code PromptBound}); settlement then returns what was not used.
 *
 * <p>Cost per request: nothing when no scope has limits; nothing but memory for scopes the ledger holds a lease of
 * ({@link LeasedQuotaLedger}); else one conditional write per limited scope, in parallel (one round trip), and a
 * second round only when the output is lowered.
 */
public final class Admitter {
    /** The least output a lowered {@code max_tokens} may leave: below it, a reply is not worth sending. */
    public static final long OUTPUT_FLOOR = 16;

    private static final int ROUNDS = 3;

    private final QuotaLedger ledger;
    private final Clock clock;

    public Admitter(QuotaLedger ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    public Grant admit(List<Scope> scopes, Demand demand) {
        List<Scope> limited =
                scopes.stream().filter(scope -> !scope.limits().isNone()).toList();
        if (limited.isEmpty()) {
            return Grant.unlimited(ledger, clock, demand);
        }
        boolean bounded = limited.stream().anyMatch(scope -> scope.limits().boundsOutput());
        long output = demand.requestedOutput() >= 0 ? demand.requestedOutput() : bounded ? demand.defaultOutput() : 0;
        long floor = Math.min(OUTPUT_FLOOR, output);
        Reserving reserving = new Reserving(limited, demand, clock.instant());
        List<Integer> pending = IntStream.range(0, limited.size()).boxed().toList();
        for (int round = 1; ; round++) {
            Verdict tightest = reserving.round(pending, output);
            if (tightest == null) {
                return Grant.of(
                        ledger,
                        clock,
                        demand,
                        output,
                        bounded,
                        List.of(reserving.taken),
                        limited,
                        reserving.after,
                        reserving.now);
            }
            if (tightest.cap() < floor || round == ROUNDS) {
                reserving.undo();
                throw tightest.refusal() != null
                        ? tightest.refusal()
                        : GatewayException.rateLimited("The quota store is contended; retry the request.", 1);
            }
            output = Math.min(output, Math.max(tightest.cap(), floor));
            pending = reserving.refused;
        }
    }

    /** One admission's reservations across its scopes, round after round (a round retries the refused scopes). */
    private final class Reserving {
        final List<Scope> scopes;
        final Demand demand;
        final Instant now;
        final Reservation[] taken;
        final ScopeUsage[] after;
        List<Integer> refused = List.of();

        Reserving(List<Scope> scopes, Demand demand, Instant now) {
            this.scopes = scopes;
            this.demand = demand;
            this.now = now;
            this.taken = new Reservation[scopes.size()];
            this.after = new ScopeUsage[scopes.size()];
        }

        /**
         * Reserves {@code output} from the pending scopes at once: first from what the ledger holds in memory, then
         * the rest from the store in parallel. The tightest refusal, or null when all took it.
         */
        Verdict round(List<Integer> pending, long output) {
            Charge charge = demand.charge(output);
            List<Integer> stored = new ArrayList<>(pending.size());
            for (int i : pending) {
                QuotaLedger.Taking.Taken local = ledger.reserveFromMemory(
                        scopes.get(i).id(), scopes.get(i).limits(), charge, 1, now);
                if (local != null) {
                    taken[i] = local.reservation();
                    after[i] = local.after();
                } else {
                    stored.add(i);
                }
            }
            refused = new ArrayList<>();
            if (stored.isEmpty()) {
                return null;
            }
            List<Object> results = Parallel.map(
                    stored,
                    i -> ledger.reserve(scopes.get(i).id(), scopes.get(i).limits(), charge, true, now));
            Verdict tightest = Verdict.UNBOUNDED;
            for (int r = 0; r < results.size(); r++) {
                int i = stored.get(r);
                switch (results.get(r)) {
                    case QuotaLedger.Taking.Taken t -> {
                        taken[i] = t.reservation();
                        after[i] = t.after();
                    }
                    case QuotaLedger.Taking.Refused f -> {
                        refused.add(i);
                        tightest = tightest.min(Verdict.of(scopes.get(i), f.current(), demand, now));
                    }
                    case RuntimeException e -> {
                        undo();
                        throw e;
                    }
                    default -> throw new IllegalStateException("unexpected " + results.get(r));
                }
            }
            return refused.isEmpty() ? null : tightest;
        }

        /** Gives back what the scopes that took the charge reserved. */
        void undo() {
            for (Reservation reservation : taken) {
                if (reservation != null) {
                    ledger.settle(reservation, Charge.ZERO, now);
                }
            }
        }
    }

    /**
     * What a refusing scope allows: the most output it affords ({@code cap}), and the answer to give when that is too
     * little. A request or concurrency limit allows nothing (a cap of -1).
     */
    record Verdict(long cap, GatewayException refusal) {
        static final Verdict UNBOUNDED = new Verdict(Long.MAX_VALUE, null);

        Verdict min(Verdict other) {
            return other.cap < cap || refusal == null ? other : this;
        }

        static Verdict of(Scope scope, ScopeUsage used, Demand demand, Instant now) {
            Verdict hard = hardLimit(scope, used, now);
            if (hard != null) {
                return hard;
            }
            Limits limits = scope.limits();
            Windows windows = Windows.at(now);
            Verdict verdict = UNBOUNDED;
            if (limits.tokensPerMinute() > 0) {
                long untilMinuteEnd = Windows.secondsUntil(now, windows.minuteEnd());
                long room = limits.tokensPerMinute() - used.tokens() - demand.promptTokens();
                verdict = verdict.min(new Verdict(
                        room,
                        GatewayException.rateLimited(
                                "Rate limit reached for tokens per minute on this " + scope.kind() + " (limit "
                                        + limits.tokensPerMinute() + "). Retry after " + untilMinuteEnd + " s.",
                                untilMinuteEnd)));
            }
            if (limits.budgetMicrosPerDay() > 0) {
                verdict = verdict.min(budget(
                        scope,
                        "daily",
                        limits.budgetMicrosPerDay(),
                        used.microsToday(),
                        demand,
                        now,
                        windows.dayEnd()));
            }
            if (limits.budgetMicrosPerMonth() > 0) {
                verdict = verdict.min(budget(
                        scope,
                        "monthly",
                        limits.budgetMicrosPerMonth(),
                        used.microsThisMonth(),
                        demand,
                        now,
                        windows.monthEnd()));
            }
            return verdict;
        }

        /** The limits no lower output can satisfy: requests per minute and concurrency; null when neither binds. */
        private static Verdict hardLimit(Scope scope, ScopeUsage used, Instant now) {
            Limits limits = scope.limits();
            if (limits.requestsPerMinute() > 0 && used.requests() + 1 > limits.requestsPerMinute()) {
                long untilMinuteEnd = Windows.secondsUntil(now, Windows.at(now).minuteEnd());
                return new Verdict(
                        -1,
                        GatewayException.rateLimited(
                                "Rate limit reached for requests per minute on this " + scope.kind() + " (limit "
                                        + limits.requestsPerMinute() + "). Retry after " + untilMinuteEnd + " s.",
                                untilMinuteEnd));
            }
            if (limits.maxConcurrent() > 0 && used.concurrent() + 1 > limits.maxConcurrent()) {
                return new Verdict(
                        -1,
                        GatewayException.concurrencyLimited("Too many concurrent requests on this " + scope.kind()
                                + " (limit " + limits.maxConcurrent() + "). Retry when one has finished."));
            }
            return null;
        }

        private static Verdict budget(
                Scope scope, String period, long budget, long spent, Demand demand, Instant now, Instant reset) {
            long cap = demand.pricing().maxOutputTokensWithin(demand.promptTokens(), budget - spent);
            return new Verdict(
                    cap,
                    GatewayException.budgetExceeded(
                            "The " + period + " budget of this " + scope.kind() + " (" + usd(budget)
                                    + ") is spent; it resets at " + reset + ".",
                            Windows.secondsUntil(now, reset)));
        }

        private static String usd(long micros) {
            return "$" + micros / 1_000_000 + "." + String.format("%06d", micros % 1_000_000);
        }
    }
}
