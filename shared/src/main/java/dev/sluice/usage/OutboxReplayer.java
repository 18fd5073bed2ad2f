package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the {@link UsageOutbox} into the usage stream: a batch of parked events, one PutRecords call (partitioned as
 * the router publishes), then only the events the stream took are removed. A crash between the two leaves events that
 * are in the stream and still parked; replayed again, they are second records of the same requests, which the usage
 * store counts once. A drain stops when the outbox is empty, when its time is up, or when a batch made no progress
 * (the stream is still refusing: the next drain tries again).
 */
public final class OutboxReplayer {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxReplayer.class);
    static final int BATCH = 100;

    private final UsageOutbox outbox;
    private final KinesisUsagePublisher stream;
    private final LongSupplier nanoClock;

    public OutboxReplayer(UsageOutbox outbox, KinesisUsagePublisher stream) {
        this(outbox, stream, System::nanoTime);
    }

    OutboxReplayer(UsageOutbox outbox, KinesisUsagePublisher stream, LongSupplier nanoClock) {
        this.outbox = outbox;
        this.stream = stream;
        this.nanoClock = nanoClock;
    }

    /**
     * What one drain did.
     *
     * @param replayed events put into the stream and removed from the outbox
     * @param refused  events the stream did not take in the last batch (they stay parked)
     * @param empty    the outbox was found empty: everything parked before the drain is in the stream
     */
    public record Drain(int replayed, int refused, boolean empty) {}

    /** Replays until the outbox is empty, no batch makes progress, or {@code budget} is spent. */
    public Drain drain(Duration budget) {
        long deadline = nanoClock.getAsLong() + budget.toNanos();
        int replayed = 0;
        while (nanoClock.getAsLong() - deadline < 0) {
            List<UsageEvent> batch = outbox.batch(BATCH);
            if (batch.isEmpty()) {
                return new Drain(replayed, 0, true);
            }
            List<UsageEvent> taken;
            try {
                taken = stream.putBatch(batch);
            } catch (RuntimeException e) {
                LOG.warn("usage stream unavailable for replay ({}); {} events stay parked", e.toString(), batch.size());
                return new Drain(replayed, batch.size(), false);
            }
            outbox.remove(taken);
            replayed += taken.size();
            if (taken.size() < batch.size()) {
                LOG.warn("usage stream refused {} of {} replayed events", batch.size() - taken.size(), batch.size());
                if (taken.isEmpty()) {
                    return new Drain(replayed, batch.size(), false);
                }
            }
        }
        return new Drain(replayed, 0, false);
    }
}
