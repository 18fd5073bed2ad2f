package dev.sluice.health;

import dev.sluice.route.Deployment;

/**
 * What routing knows and learns about each deployment's health: the circuit breaker that keeps traffic off a failing
 * deployment, and the moving averages the {@code latency} strategy ranks by. Failover reports every attempt's end here.
 * Implementations are safe for concurrent use.
 */
public interface DeploymentHealth {

    /** True when the deployment may be planned for a request: its breaker is closed, or half-open with probes left. */
    boolean available(Deployment deployment);

    /**
     * Called right before an attempt: true when it may go ahead. In half-open state it claims one of the bounded
     * probes, so only that many requests test a recovering deployment at a time.
     */
    boolean tryAcquire(Deployment deployment);

    /** The attempt answered; {@code ttftNanos} is its time to first byte (or to the whole answer, for embeddings). */
    void onSuccess(Deployment deployment, long ttftNanos);

    /** The attempt failed in a way that speaks of the deployment's health (429, 5xx, timeouts, broken streams). */
    void onFailure(Deployment deployment, String errorCode);

    /**
     * The attempt ended without a verdict on the deployment: the client left, the gateway refused the attempt before
     * calling, or the deployment rejected the request itself as invalid. Releases a half-open probe uncounted.
     */
    void onNoVerdict(Deployment deployment);

    /** What is known of the deployment now. */
    Snapshot snapshot(Deployment deployment);

    /** The deployments this instance has met and how many of them it keeps traffic off now; for metrics. */
    default Census census() {
        return Census.NONE;
    }

    /**
     * @param deployments deployments this instance has planned or heard of
     * @param open        those whose breaker is open or half-open
     */
    record Census(int deployments, int open) {
        public static final Census NONE = new Census(0, 0);

        /** The share of known deployments taking traffic, 0 to 100; 100 when none is known (no sign of trouble). */
        public double healthyPercent() {
            return deployments == 0 ? 100.0 : 100.0 * (deployments - open) / deployments;
        }
    }

    /**
     * @param ewmaTtftMillis moving average of time to first byte, -1 before the first success
     * @param errorRate      moving average of failures among attempts, 0 to 1
     * @param samples        attempts seen by this instance
     * @param retryAtMillis  when open: when it may be probed again (epoch millis); 0 otherwise
     * @param timedAtMillis  when the average last took a sample (epoch millis); 0 before the first
     */
    record Snapshot(
            BreakerState state,
            double ewmaTtftMillis,
            double errorRate,
            long samples,
            long retryAtMillis,
            long timedAtMillis) {}
}
