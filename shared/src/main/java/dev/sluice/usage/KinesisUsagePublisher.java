package dev.sluice.usage;

import dev.sluice.aws.DirectPutRecords;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Publishes usage events to a Kinesis data stream with PutRecords, sent by {@link DirectPutRecords} (signed JSON on
 * the calling thread, without the SDK's per-call pipeline). A record the stream rejects (throttling, internal error)
 * is retried with backoff a bounded number of times; rejected records were not written, so retrying them cannot
 * duplicate an event. A failed call is not retried here: {@link FallbackUsagePublisher} parks the event in the outbox.
 *
 * <p>Partitioned by request id, not by tenant: a shard takes 1,000 records a second, so a tenant partitioned onto one
 * shard could never be served faster than that (docs/SCALE.md). The aggregator needs no order across a tenant's
 * events: its sums commute, and each usage row keeps a checkpoint per shard.
 */
public final class KinesisUsagePublisher implements UsagePublisher {
    private static final Logger LOG = LoggerFactory.getLogger(KinesisUsagePublisher.class);
    private static final int ATTEMPTS = 4;
    /** PutRecords takes at most 500 records a call. */
    public static final int MAX_RECORDS = 500;
    /** The HTTP timeouts of a call when the client sets no attempt timeout. */
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final KinesisClient kinesis;
    private final String streamName;
    private volatile DirectPutRecords puts; // made on first use: a publisher that never publishes needs no client

    /** Publishes through {@code kinesis}'s endpoint, region and credentials, within its attempt timeout. */
    public KinesisUsagePublisher(KinesisClient kinesis, String streamName) {
        this.kinesis = kinesis;
        this.streamName = streamName;
    }

    @Override
    public void publish(UsageEvent event) {
        List<DirectPutRecords.Entry> entry = List.of(record(event));
        Duration backoff = Duration.ofMillis(50);
        for (int attempt = 1; ; attempt++) {
            String error = puts().put(streamName, entry).getFirst();
            if (error == null) {
                return;
            }
            if (attempt >= ATTEMPTS) {
                throw new IllegalStateException("usage event " + event.requestId() + " rejected by Kinesis after "
                        + attempt + " attempts: " + error);
            }
            LOG.warn("usage event {} rejected by Kinesis ({}), retrying", event.requestId(), error);
            sleep(backoff);
            backoff = backoff.multipliedBy(2);
        }
    }

    /**
     * One PutRecords call for up to {@value #MAX_RECORDS} events (replays: the outbox, a saved log); returns the events
     * the stream took. Those it rejected were not written, so putting them again cannot duplicate them.
     */
    public List<UsageEvent> putBatch(List<UsageEvent> events) {
        if (events.size() > MAX_RECORDS) {
            throw new IllegalArgumentException("PutRecords takes at most " + MAX_RECORDS + " records");
        }
        if (events.isEmpty()) {
            return List.of();
        }
        List<String> errors = puts().put(
                        streamName,
                        events.stream().map(KinesisUsagePublisher::record).toList());
        List<UsageEvent> taken = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            if (errors.get(i) == null) {
                taken.add(events.get(i));
            }
        }
        return taken;
    }

    /** The event as a stream record: its JSON, spread over the shards by its request id. */
    public static DirectPutRecords.Entry record(UsageEvent event) {
        return new DirectPutRecords.Entry(event.requestId(), UsageEventCodec.encode(event));
    }

    private DirectPutRecords puts() {
        DirectPutRecords made = puts;
        if (made == null) {
            Duration timeout = kinesis.serviceClientConfiguration()
                    .overrideConfiguration()
                    .apiCallAttemptTimeout()
                    .orElse(DEFAULT_TIMEOUT);
            made = DirectPutRecords.of(kinesis, timeout);
            puts = made;
        }
        return made;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing usage", e);
        }
    }
}
