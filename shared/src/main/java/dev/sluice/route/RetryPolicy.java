package dev.sluice.route;

import java.time.Duration;
import java.util.Objects;

/**
 * How a route retries before anything reached the client: each deployment up to {@code attemptsPerDeployment} times
 * with exponential backoff and full jitter, honouring an upstream's {@code Retry-After} up to {@code retryAfterCap}
 * (a longer wait moves on to the next deployment instead), and all of it, every attempt's time to first byte included,
 * within one {@code deadline}, so retries never stack timeouts beyond it.
 *
 * @param attemptsPerDeployment 1 tries each deployment once, in order (failover only)
 * @param backoff               the first retry's largest wait; each further retry doubles it, up to {@code maxBackoff}
 */
public record RetryPolicy(
        int attemptsPerDeployment, Duration backoff, Duration maxBackoff, Duration retryAfterCap, Duration deadline) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(
            1, Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(120));

    public RetryPolicy {
        if (attemptsPerDeployment < 1 || attemptsPerDeployment > 10) {
            throw new IllegalArgumentException("attemptsPerDeployment must be 1 to 10");
        }
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(retryAfterCap, "retryAfterCap");
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive");
        }
    }

    /** The longest wait before retry number {@code retry} (1 for the first retry): full jitter picks below it. */
    public Duration backoffCeiling(int retry) {
        long millis = backoff.toMillis() << Math.min(retry - 1, 20);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
