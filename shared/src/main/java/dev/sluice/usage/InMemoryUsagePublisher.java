package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps events in memory: the fake for tests of the request path. */
public final class InMemoryUsagePublisher implements UsagePublisher {
    private final List<UsageEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void publish(UsageEvent event) {
        events.add(event);
    }

    public List<UsageEvent> events() {
        return List.copyOf(events);
    }
}
