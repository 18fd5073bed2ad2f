package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The outbox in memory: the fake for tests, keyed by request id as the DynamoDB one. */
public final class InMemoryUsageOutbox implements UsageOutbox {
    private final Map<String, UsageEvent> parked = new ConcurrentHashMap<>();

    @Override
    public void park(UsageEvent event) {
        parked.put(event.requestId(), event);
    }

    @Override
    public List<UsageEvent> batch(int limit) {
        return parked.values().stream().limit(limit).toList();
    }

    @Override
    public void remove(Collection<UsageEvent> replayed) {
        replayed.forEach(event -> parked.remove(event.requestId()));
    }

    public List<UsageEvent> events() {
        return List.copyOf(parked.values());
    }
}
