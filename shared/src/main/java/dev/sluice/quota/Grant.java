package dev.sluice.quota;

import dev.sluice.route.Pricing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What admission granted one request: the reservations to settle, the output it may produce, and the rate-limit
 * headers its response carries. Used by one request's thread.
 */
public final class Grant {
    private static final Logger LOG = LoggerFactory.getLogger(Grant.class);

    private final QuotaLedger ledger;
    private final Clock clock;
    private final Demand demand;
    private final long output;
    private final boolean bounded;
    private final List<Reservation> reservations;
    private final List<Scope> scopes;
    private final List<Reservation> extensions = new ArrayList<>(0);
    private final Map<String, String> headers;
    private long reservedMicros;

    private Grant(
            QuotaLedger ledger,
            Clock clock,
            Demand demand,
            long output,
            boolean bounded,
            List<Reservation> reservations,
            List<Scope> scopes,
            Map<String, String> headers) {
        this.ledger = ledger;
        this.clock = clock;
        this.demand = demand;
        this.output = output;
        this.bounded = bounded;
        this.reservations = reservations;
        this.scopes = scopes;
        this.headers = headers;
        this.reservedMicros = demand.charge(output).micros();
    }

    static Grant unlimited(QuotaLedger ledger, Clock clock, Demand demand) {
        return new Grant(
                ledger, clock, demand, Math.max(0, demand.requestedOutput()), false, List.of(), List.of(), Map.of());
    }

    static Grant of(
            QuotaLedger ledger,
            Clock clock,
            Demand demand,
            long output,
            boolean bounded,
            List<Reservation> reservations,
            List<Scope> scopes,
            ScopeUsage[] after,
            Instant now) {
        return new Grant(ledger, clock, demand, output, bounded, reservations, scopes, headers(scopes, after, now));
    }

    /**
     * The {@code max_tokens} to send upstream: present when a token or money limit bounds the output and the caller
     * asked for more (or for no bound at all); empty when the caller's own value stands.
     */
    public OptionalLong outputLimit() {
        boolean lowered = demand.requestedOutput() < 0 || output < demand.requestedOutput();
        return bounded && lowered ? OptionalLong.of(output) : OptionalLong.empty();
    }

    /** OpenAI's {@code x-ratelimit-*} headers for the tighter of the scopes, empty when none limits rate. */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * Before failing over to a deployment with other prices: reserves the difference its worst case costs more, so
     * the budget still holds; refused like admission when a budget cannot afford it.
     */
    public void cover(Pricing pricing) {
        long micros = pricing.costMicros(demand.promptTokens(), 0, output);
        long more = micros - reservedMicros;
        if (more <= 0 || reservations.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Charge extra = new Charge(0, 0, more);
        Demand pricier = new Demand(demand.promptTokens(), output, output, pricing);
        for (Scope scope : scopes) {
            Limits limits = scope.limits();
            if (limits.budgetMicrosPerDay() == 0 && limits.budgetMicrosPerMonth() == 0) {
                continue;
            }
            switch (ledger.reserve(scope.id(), limits, extra, false, now)) {
                case QuotaLedger.Taking.Taken taken -> extensions.add(taken.reservation());
                case QuotaLedger.Taking.Refused refused -> {
                    extensions.forEach(extension -> ledger.settle(extension, Charge.ZERO, now));
                    extensions.clear();
                    throw Admitter.Verdict.of(scope, refused.current(), pricier, now)
                            .refusal();
                }
            }
        }
        reservedMicros = micros;
    }

    /**
     * Replaces every reservation by what the request really cost and frees its concurrency slots, all scopes at once.
     * Never throws: a settlement that fails leaves the reservation standing (the safe side: a budget counts more,
     * never less) and the slot to expire.
     */
    public void settle(long tokens, long micros) {
        if (reservations.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Charge actual = new Charge(1, tokens, micros);
        List<Runnable> settlements = new ArrayList<>(reservations.size() + extensions.size());
        for (Reservation reservation : reservations) {
            settle(reservation, actual, now, settlements);
        }
        for (Reservation extension : extensions) {
            settle(extension, Charge.ZERO, now, settlements);
        }
        if (settlements.isEmpty()) {
            return;
        }
        for (Object result : Parallel.map(settlements, settlement -> {
            settlement.run();
            return null;
        })) {
            if (result instanceof RuntimeException e) {
                LOG.warn("quota settlement failed; the reservation stands and its slot expires on its own", e);
            }
        }
    }

    /** Settles a lease's reservation here and now; queues one that needs the store for the parallel round. */
    private void settle(Reservation reservation, Charge actual, Instant now, List<Runnable> settlements) {
        if (!ledger.settlesInMemory(reservation)) {
            settlements.add(() -> ledger.settle(reservation, actual, now));
            return;
        }
        try {
            ledger.settle(reservation, actual, now);
        } catch (RuntimeException e) {
            LOG.warn("quota settlement failed; the reservation stands and its slot expires on its own", e);
        }
    }

    private static Map<String, String> headers(List<Scope> scopes, ScopeUsage[] after, Instant now) {
        Map<String, String> headers = new LinkedHashMap<>();
        Windows windows = Windows.at(now);
        String reset = resetText(Duration.between(now, windows.minuteEnd()));
        int requests = -1;
        int tokens = -1;
        for (int i = 0; i < scopes.size(); i++) {
            Limits limits = scopes.get(i).limits();
            if (limits.requestsPerMinute() > 0
                    && (requests < 0
                            || remaining(limits.requestsPerMinute(), after[i].requests())
                                    < remaining(
                                            scopes.get(requests).limits().requestsPerMinute(),
                                            after[requests].requests()))) {
                requests = i;
            }
            if (limits.tokensPerMinute() > 0
                    && (tokens < 0
                            || remaining(limits.tokensPerMinute(), after[i].tokens())
                                    < remaining(
                                            scopes.get(tokens).limits().tokensPerMinute(), after[tokens].tokens()))) {
                tokens = i;
            }
        }
        if (requests >= 0) {
            long limit = scopes.get(requests).limits().requestsPerMinute();
            headers.put("x-ratelimit-limit-requests", Long.toString(limit));
            headers.put("x-ratelimit-remaining-requests", Long.toString(remaining(limit, after[requests].requests())));
            headers.put("x-ratelimit-reset-requests", reset);
        }
        if (tokens >= 0) {
            long limit = scopes.get(tokens).limits().tokensPerMinute();
            headers.put("x-ratelimit-limit-tokens", Long.toString(limit));
            headers.put("x-ratelimit-remaining-tokens", Long.toString(remaining(limit, after[tokens].tokens())));
            headers.put("x-ratelimit-reset-tokens", reset);
        }
        return Map.copyOf(headers);
    }

    private static long remaining(long limit, long used) {
        return Math.max(0, limit - used);
    }

    /** OpenAI's form: {@code 17s}, {@code 1m30s}, {@code 250ms}. */
    static String resetText(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 1000) {
            return millis + "ms";
        }
        long seconds = (millis + 999) / 1000;
        return seconds < 60 ? seconds + "s" : seconds / 60 + "m" + seconds % 60 + "s";
    }
}
