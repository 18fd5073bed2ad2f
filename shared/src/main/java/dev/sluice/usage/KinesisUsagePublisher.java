package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;

/**
 * Publishes usage events to a Kinesis data stream with PutRecords. A record the stream rejects (throttling, internal
 * error) is retried with backoff a bounded number of times; rejected records were not written, so retrying them
 * cannot duplicate an event.
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

    private final KinesisClient kinesis;
    private final String streamName;

    public KinesisUsagePublisher(KinesisClient kinesis, String streamName) {
        this.kinesis = kinesis;
        this.streamName = streamName;
    }

    @Override
    public void publish(UsageEvent event) {
        PutRecordsRequestEntry entry = record(event);
        Duration backoff = Duration.ofMillis(50);
        for (int attempt = 1; ; attempt++) {
            PutRecordsResponse response =
                    kinesis.putRecords(r -> r.streamName(streamName).records(List.of(entry)));
            if (response.failedRecordCount() == null || response.failedRecordCount() == 0) {
                return;
            }
            String error = response.records().getFirst().errorCode();
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
        List<PutRecordsRequestEntry> entries =
                events.stream().map(KinesisUsagePublisher::record).toList();
        PutRecordsResponse response =
                kinesis.putRecords(r -> r.streamName(streamName).records(entries));
        List<UsageEvent> taken = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            if (response.records().get(i).errorCode() == null) {
                taken.add(events.get(i));
            }
        }
        return taken;
    }

    /** The event as a stream record: its JSON, spread over the shards by its request id. */
    public static PutRecordsRequestEntry record(UsageEvent event) {
        return PutRecordsRequestEntry.builder()
                .partitionKey(event.requestId())
                .data(SdkBytes.fromByteArray(UsageEventCodec.encode(event)))
                .build();
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
