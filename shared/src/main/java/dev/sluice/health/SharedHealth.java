package dev.sluice.health;

import java.util.Objects;

/**
 * What one instance tells the others about a deployment: its breaker's state since {@code changedAtMillis} and, when
 * open, the time {@code retryAtMillis} after which it may be probed, plus the statistics the publishing instance had
 * then (for {@code gatewayctl routes health}).
 *
 * @param key                 {@link dev.sluice.route.Deployment#healthKey()}
 * @param ewmaTtftMillis      moving average of the time to first token, or -1 before the first success
 * @param errorRate           moving average of failures among attempts, 0 to 1
 * @param lastFailure         the last failure's error code ("upstream_unavailable"), or null
 * @param lastFailureAtMillis when it happened, or 0
 */
public record SharedHealth(
        String key,
        BreakerState state,
        long changedAtMillis,
        long retryAtMillis,
        double ewmaTtftMillis,
        double errorRate,
        String lastFailure,
        long lastFailureAtMillis) {
    public SharedHealth {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
    }
}
