package dev.sluice.devstack;

import dev.sluice.usage.UsagePublisher;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode's stand-in for the Kinesis stream and the Lambda event source mapping: events go through the stream's
 * JSON codec, get sequence numbers on one shard, and are delivered in batches to the same {@link UsageAggregator}
 * the Lambda handler runs; after a partial failure delivery resumes from the first failed event, as Lambda does.
 */
public final class InProcessUsageStream implements UsagePublisher, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessUsageStream.class);
    private static final String SHARD = "shardId-000000000000";
    private static final int BATCH_SIZE = 100;

    private final UsageAggregator aggregator;
    private final ScheduledExecutorService poller;
    /**
     * Events in sequence order; a batch is always taken from the head and removed from it once delivered. A deque, so
     * removing the head costs the same at a backlog of a million (DynamoDB down for minutes) as at ten, and
     * {@link #publish} never waits behind a copy of the whole backlog.
     */
    private final ArrayDeque<SequencedEvent> pending = new ArrayDeque<>();
    /** One delivery at a time (the poller, {@link #close}, tests): two would hand the aggregator the same batch. */
    private final Object delivery = new Object();

    private long nextSequence = 1;
    private long delivered;

    public InProcessUsageStream(UsageAggregator aggregator, long pollMillis) {
        this.aggregator = aggregator;
        this.poller = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("usage-stream").factory());
        poller.scheduleWithFixedDelay(this::deliverQuietly, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void publish(UsageEvent event) {
        // Through the wire form, as on Kinesis: what the aggregator reads is what a reader of the stream would read.
        UsageEvent onTheWire = UsageEventCodec.decode(UsageEventCodec.encode(event));
        pending.add(SequencedEvent.of(SHARD, Long.toString(nextSequence++), onTheWire));
    }

    /** Delivers the next batch (up to 100, oldest first); returns the number of events delivered successfully. */
    public int deliver() {
        synchronized (delivery) {
            return deliverBatch();
        }
    }

    private int deliverBatch() {
        List<SequencedEvent> batch = new ArrayList<>(BATCH_SIZE);
        synchronized (this) {
            for (SequencedEvent event : pending) {
                if (batch.size() == BATCH_SIZE) {
                    break;
                }
                batch.add(event);
            }
        }
        if (batch.isEmpty()) {
            return 0;
        }
        List<SequencedEvent> failed = aggregator.apply(batch);
        long firstFailed = failed.isEmpty()
                ? Long.MAX_VALUE
                : Long.parseLong(failed.getFirst().sequence());
        int delivered = 0;
        synchronized (this) {
            for (SequencedEvent event : batch) {
                if (Long.parseLong(event.sequence()) >= firstFailed) {
                    break; // redelivered next time, from the first failure on, as Lambda retries a shard
                }
                pending.removeFirst(); // the batch is the head, and only deliveries remove, one at a time
                delivered++;
            }
            this.delivered += delivered;
        }
        return delivered;
    }

    private void deliverQuietly() {
        try {
            while (deliver() > 0) {
                // keep draining
            }
        } catch (RuntimeException e) {
            LOG.warn("usage delivery failed; will retry", e);
        }
    }

    public synchronized int pendingCount() {
        return pending.size();
    }

    /** How many events were written to the usage table so far. */
    public synchronized long deliveredCount() {
        return delivered;
    }

    /** Stops polling after one last delivery, so usage served before Ctrl-C is still counted. */
    @Override
    public void close() {
        poller.shutdown();
        try {
            poller.awaitTermination(2, TimeUnit.SECONDS); // a delivery in progress; the drain below repeats none of it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deliverQuietly();
    }
}
