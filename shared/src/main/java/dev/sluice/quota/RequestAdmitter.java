package dev.sluice.quota;

import dev.sluice.auth.ApiKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stage 3: admits a request against the key's requests-per-minute limit with one atomic counter update in the
 * {@link QuotaLedger}. Windows are calendar minutes (fixed windows): cheap, one write per request, and exact in
 * what they admit; a burst can straddle a boundary, which is the usual trade-off gateways make here.
 */
public final class RequestAdmitter {
    private static final Duration WINDOW = Duration.ofMinutes(1);
    /** Counters outlive their window a little so a late reader never sees a recycled one. */
    private static final Duration COUNTER_RETENTION = Duration.ofMinutes(5);

    private final QuotaLedger ledger;
    private final Clock clock;

    public RequestAdmitter(QuotaLedger ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    public Admission admit(ApiKey key) {
        long limit = key.limits().requestsPerMinute();
        if (limit == 0) {
            return new Admission.Allowed();
        }
        Instant now = clock.instant();
        long window = now.getEpochSecond() / WINDOW.toSeconds();
        Instant windowEnd = Instant.ofEpochSecond((window + 1) * WINDOW.toSeconds());
        String counter = "rpm#" + key.keyId() + "#" + window;
        if (ledger.tryTake(counter, 1, limit, windowEnd.plus(COUNTER_RETENTION))) {
            return new Admission.Allowed();
        }
        long retryAfter = Math.max(1, (Duration.between(now, windowEnd).toMillis() + 999) / 1000);
        return new Admission.Denied(
                "Rate limit reached for requests per minute on this key (limit " + limit + "). Retry after "
                        + retryAfter + " s.",
                retryAfter);
    }
}
