package dev.sluice.cli.dev;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.sluice.aggregator.AggregatorHandler;
import dev.sluice.usage.UsageEvent;
import dev.sluice.usage.UsageEventCodec;
import dev.sluice.usage.UsagePublisher;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode's stand-in for the Kinesis stream and the Lambda event source mapping: events are given sequence numbers
 * on one shard, delivered in batches of Kinesis events to the real {@link AggregatorHandler}, and on a partial batch
 * failure redelivered from the first failed record, as Lambda does.
 */
public final class InProcessUsageStream implements UsagePublisher, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessUsageStream.class);
    private static final String SHARD = "shardId-000000000000";
    private static final int BATCH_SIZE = 100;

    private final AggregatorHandler aggregator;
    private final ScheduledExecutorService poller;
    /**
     * Records in sequence order; a batch is always taken from the head and removed from it once delivered. A deque,
     * so removing the head costs the same at a backlog of a million (DynamoDB down for minutes) as at ten, and
     * {@link #publish} never waits behind a copy of the whole backlog.
     */
    private final ArrayDeque<KinesisEvent.KinesisEventRecord> pending = new ArrayDeque<>();
    /** One delivery at a time (the poller, {@link #close}, tests): two would hand the aggregator the same batch. */
    private final Object delivery = new Object();
    private long nextSequence = 1;

    public InProcessUsageStream(AggregatorHandler aggregator, long pollMillis) {
        this.aggregator = aggregator;
        this.poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("usage-stream")
                .factory());
        poller.scheduleWithFixedDelay(this::deliverQuietly, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void publish(UsageEvent event) {
        String sequence = Long.toString(nextSequence++);
        KinesisEvent.Record kinesis = new KinesisEvent.Record();
        kinesis.setSequenceNumber(sequence);
        kinesis.setPartitionKey(event.tenantId());
        kinesis.setData(ByteBuffer.wrap(UsageEventCodec.encode(event)));
        KinesisEvent.KinesisEventRecord record = new KinesisEvent.KinesisEventRecord();
        record.setEventID(SHARD + ":" + sequence);
        record.setEventSource("aws:kinesis");
        record.setKinesis(kinesis);
        pending.add(record);
    }

    /** Delivers the next batch (up to 100, oldest first); returns the number of records delivered successfully. */
    public int deliver() {
        synchronized (delivery) {
            return deliverBatch();
        }
    }

    private int deliverBatch() {
        List<KinesisEvent.KinesisEventRecord> batch = new ArrayList<>(BATCH_SIZE);
        synchronized (this) {
            for (KinesisEvent.KinesisEventRecord record : pending) {
                if (batch.size() == BATCH_SIZE) {
                    break;
                }
                batch.add(record);
            }
        }
        if (batch.isEmpty()) {
            return 0;
        }
        KinesisEvent event = new KinesisEvent();
        event.setRecords(batch);
        StreamsEventResponse response = aggregator.handleRequest(event, null);
        BigInteger firstFailed = response.getBatchItemFailures().stream()
                .map(f -> new BigInteger(f.getItemIdentifier())).min(BigInteger::compareTo).orElse(null);
        int delivered = 0;
        synchronized (this) {
            for (KinesisEvent.KinesisEventRecord record : batch) {
                BigInteger sequence = new BigInteger(record.getKinesis().getSequenceNumber());
                if (firstFailed != null && sequence.compareTo(firstFailed) >= 0) {
                    break; // redelivered next time, from the first failure on, as Lambda retries a shard
                }
                pending.removeFirst(); // the batch is the head: only deliveries remove, one at a time
                delivered++;
            }
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

    /** Stops polling after one last delivery, so usage served before Ctrl-C is still counted. */
    @Override
    public void close() {
        poller.shutdown();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deliverQuietly();
    }
}
