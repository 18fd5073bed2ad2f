package dev.sluice.aggregator;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda entry point for the usage stream: decode, fold and write ({@link UsageAggregator}), and report partial
 * failures so Lambda retries only from the first record whose row could not be written. Rows already written skip
 * the retried events through their checkpoints, so every request is counted exactly once. (Powertools' batch module is not available to this build;
 * the partial-failure response is built here.)
 */
public final class AggregatorHandler implements RequestHandler<KinesisEvent, StreamsEventResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(AggregatorHandler.class);

    private final UsageAggregator aggregator;

    /** Production wiring, once per instance. */
    public AggregatorHandler() {
        this(productionStore(AggregatorConfig.fromEnvironment(System.getenv())));
    }

    public AggregatorHandler(UsageStore store) {
        this.aggregator = new UsageAggregator(store);
    }

    private static UsageStore productionStore(AggregatorConfig config) {
        return new DynamoDbUsageStore(config.dynamoDbClient(), config.usageTable());
    }

    @Override
    public StreamsEventResponse handleRequest(KinesisEvent event, Context context) {
        // Lambda retries a shard from the lowest reported sequence number; the aggregator reports it first.
        List<StreamsEventResponse.BatchItemFailure> failures = aggregator.apply(decode(event)).stream()
                .map(failed -> new StreamsEventResponse.BatchItemFailure(failed.itemIdentifier()))
                .toList();
        return StreamsEventResponse.builder().withBatchItemFailures(failures).build();
    }

    /**
     * A record that is not a usage event can never succeed: it is logged whole (base64, it carries no secret) for
     * replay and skipped, rather than blocking its shard.
     */
    private static List<SequencedEvent> decode(KinesisEvent event) {
        List<SequencedEvent> batch = new ArrayList<>(
                event.getRecords() == null ? 0 : event.getRecords().size());
        if (event.getRecords() == null) {
            return batch;
        }
        for (KinesisEvent.KinesisEventRecord record : event.getRecords()) {
            String sequence = record.getKinesis().getSequenceNumber();
            byte[] data = bytes(record.getKinesis().getData());
            try {
                UsageEvent usage = UsageEventCodec.decode(data);
                batch.add(SequencedEvent.of(shardOf(record), sequence, usage));
            } catch (RuntimeException e) {
                LOG.error(
                        "skipping undecodable usage record {} from {}: {}",
                        sequence,
                        record.getEventID(),
                        Base64.getEncoder().encodeToString(data));
            }
        }
        return batch;
    }

    /** Kinesis event ids read {@code shardId-000000000000:49590338271490256608559692538361571095921575989136588898}. */
    private static String shardOf(KinesisEvent.KinesisEventRecord record) {
        String eventId = record.getEventID();
        int colon = eventId == null ? -1 : eventId.indexOf(':');
        return colon > 0 ? eventId.substring(0, colon) : "shard";
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
