package dev.sluice.health;

import java.util.List;
import java.util.Optional;

/**
 * Where instances share what their circuit breakers learned, so a new instance does not hammer a deployment every
 * other instance already knows is down. Written on breaker transitions (and a bounded statistics heartbeat), read
 * through a short cache.
 */
public interface HealthStore {
    /** The last record any instance published for the deployment, or empty (never published, or expired). */
    Optional<SharedHealth> read(String key);

    /** Publishes a transition; last writer wins. */
    void publish(SharedHealth health);

    /**
     * Publishes the statistics of {@code health} (moving averages, last failure) and nothing else: the breaker state,
     * its change time and retry time stay as the last {@link #publish} left them, so an instance's periodic heartbeat
     * never undoes another's transition. When nothing was published for the key yet, the record starts closed.
     */
    void publishStats(SharedHealth health);

    /** Every record, for {@code gatewayctl routes health}. */
    List<SharedHealth> readAll();
}
