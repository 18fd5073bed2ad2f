package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;

/**
 * Where usage events go. {@link #publish} returns only once the event is durably handed over (or has failed
 * loudly), because the router calls it before it closes the response: Lambda may freeze the instance after that.
 */
public interface UsagePublisher {
    void publish(UsageEvent event);
}
