package dev.sluice.health;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shared health in one map: for a single instance (dev mode, no table) and for tests, where one instance passed to
 * two boards stands in for the table between two gateway instances.
 */
public final class InMemoryHealthStore implements HealthStore {
    private final ConcurrentHashMap<String, SharedHealth> records = new ConcurrentHashMap<>();

    @Override
    public Optional<SharedHealth> read(String key) {
        return Optional.ofNullable(records.get(key));
    }

    @Override
    public void publish(SharedHealth health) {
        records.put(health.key(), health);
    }

    @Override
    public void publishStats(SharedHealth health) {
        records.merge(health.key(), withStats(closed(health.key()), health), (old, ignored) -> withStats(old, health));
    }

    @Override
    public List<SharedHealth> readAll() {
        return records.values().stream()
                .sorted(Comparator.comparing(SharedHealth::key))
                .toList();
    }

    private static SharedHealth closed(String key) {
        return new SharedHealth(key, BreakerState.CLOSED, 0, 0, -1, 0, null, 0);
    }

    private static SharedHealth withStats(SharedHealth state, SharedHealth stats) {
        return new SharedHealth(
                state.key(),
                state.state(),
                state.changedAtMillis(),
                state.retryAtMillis(),
                stats.ewmaTtftMillis(),
                stats.errorRate(),
                stats.lastFailure() == null ? state.lastFailure() : stats.lastFailure(),
                stats.lastFailure() == null ? state.lastFailureAtMillis() : stats.lastFailureAtMillis());
    }
}
