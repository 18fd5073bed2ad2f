package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;
import java.util.Collection;
import java.util.List;

/**
 * Where a usage event waits when the usage stream did not take it: durable, keyed by the event's request id (parking
 * the same event twice keeps one), until {@link OutboxReplayer} has put it into the stream.
 */
public interface UsageOutbox {

    /** Keeps {@code event} until it is removed; throws when it cannot be kept. */
    void park(UsageEvent event);

    /** Up to {@code limit} parked events, in no particular order. */
    List<UsageEvent> batch(int limit);

    /** Forgets events that are now in the stream. */
    void remove(Collection<UsageEvent> replayed);
}
