package dev.sluice.health;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * When a deployment's circuit breaker opens and how it recovers, and how often an instance talks to the shared
 * health store about it.
 *
 * @param consecutiveFailures failures in a row that open the breaker
 * @param errorRateThreshold  share of failed attempts in {@code window} above which the breaker opens, 0 to 1
 * @param minSamples          attempts the window must hold before its error rate may open the breaker, so a
 *                            quiet deployment's one failure in two is not read as an outage
 * @param window              how far back the error rate looks
 * @param coolDown            how long an open breaker keeps traffic off before it lets probes through (half-open)
 * @param halfOpenProbes      probes allowed in flight at once while half-open, and the successes that close it
 * @param sharedReadTtl       how long the shared record is trusted before it is read again, per deployment
 * @param statsInterval       how often, at most, an instance publishes its moving averages per deployment
 */
public record BreakerPolicy(
        int consecutiveFailures,
        double errorRateThreshold,
        int minSamples,
        Duration window,
        Duration coolDown,
        int halfOpenProbes,
        Duration sharedReadTtl,
        Duration statsInterval) {

    public static final BreakerPolicy DEFAULT = new BreakerPolicy(
            5,
            0.5,
            10,
            Duration.ofSeconds(30),
            Duration.ofSeconds(15),
            2,
            Duration.ofSeconds(2),
            Duration.ofSeconds(60));

    public BreakerPolicy {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(coolDown, "coolDown");
        Objects.requireNonNull(sharedReadTtl, "sharedReadTtl");
        Objects.requireNonNull(statsInterval, "statsInterval");
        if (consecutiveFailures < 1 || minSamples < 1 || halfOpenProbes < 1) {
            throw new IllegalArgumentException("consecutiveFailures, minSamples and halfOpenProbes must be >= 1: "
                    + consecutiveFailures + ", " + minSamples + ", " + halfOpenProbes);
        }
        if (!(errorRateThreshold > 0 && errorRateThreshold <= 1)) {
            throw new IllegalArgumentException("errorRateThreshold must be in (0, 1]: " + errorRateThreshold);
        }
        if (window.toMillis() < 1 || coolDown.toMillis() < 1 || statsInterval.toMillis() < 1) {
            throw new IllegalArgumentException("window, coolDown and statsInterval must be at least 1 ms: " + window
                    + ", " + coolDown + ", " + statsInterval);
        }
        if (sharedReadTtl.isNegative()) {
            throw new IllegalArgumentException("sharedReadTtl must be >= 0: " + sharedReadTtl);
        }
    }

    /**
     * The policy the environment sets, each setting defaulting to {@link #DEFAULT}'s: {@code SLUICE_BREAKER_FAILURES}
     * (consecutive failures, 5), {@code SLUICE_BREAKER_ERROR_RATE} (0.5), {@code SLUICE_BREAKER_MIN_SAMPLES} (10),
     * {@code SLUICE_BREAKER_WINDOW_SECONDS} (30), {@code SLUICE_BREAKER_COOL_DOWN_MS} (15000),
     * {@code SLUICE_BREAKER_PROBES} (2), {@code SLUICE_BREAKER_SHARED_READ_MS} (2000).
     */
    public static BreakerPolicy fromEnvironment(Map<String, String> env) {
        BreakerPolicy d = DEFAULT;
        try {
            return new BreakerPolicy(
                    Integer.parseInt(
                            env.getOrDefault("SLUICE_BREAKER_FAILURES", Integer.toString(d.consecutiveFailures))),
                    Double.parseDouble(
                            env.getOrDefault("SLUICE_BREAKER_ERROR_RATE", Double.toString(d.errorRateThreshold))),
                    Integer.parseInt(env.getOrDefault("SLUICE_BREAKER_MIN_SAMPLES", Integer.toString(d.minSamples))),
                    Duration.ofSeconds(Long.parseLong(
                            env.getOrDefault("SLUICE_BREAKER_WINDOW_SECONDS", Long.toString(d.window.toSeconds())))),
                    Duration.ofMillis(Long.parseLong(
                            env.getOrDefault("SLUICE_BREAKER_COOL_DOWN_MS", Long.toString(d.coolDown.toMillis())))),
                    Integer.parseInt(env.getOrDefault("SLUICE_BREAKER_PROBES", Integer.toString(d.halfOpenProbes))),
                    Duration.ofMillis(Long.parseLong(env.getOrDefault(
                            "SLUICE_BREAKER_SHARED_READ_MS", Long.toString(d.sharedReadTtl.toMillis())))),
                    d.statsInterval);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a SLUICE_BREAKER_* setting is not a number: " + e.getMessage(), e);
        }
    }
}
