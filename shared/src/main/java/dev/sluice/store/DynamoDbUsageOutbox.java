package dev.sluice.store;

import dev.sluice.usage.UnsentUsageLog;
import dev.sluice.usage.UsageOutbox;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The usage outbox table: one item per parked event, key {@value SluiceTables#EVENT_ID} (the event's request id, which
 * is unique per event: a semantic-cache embedding's event is {@code <requestId>:semantic-cache}), the event as the
 * stream carries it ({@value #EVENT}, {@link UsageEventCodec} JSON), {@value #PARKED_AT} (epoch ms) and
 * {@value SluiceTables#EXPIRES_AT} ({@link #RETENTION} later, epoch seconds, for TTL). A batch is one consistent
 * {@code Scan} page; removal is one {@code DeleteItem} per event (the replayer's grant is Scan and DeleteItem).
 */
public final class DynamoDbUsageOutbox implements UsageOutbox {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbUsageOutbox.class);
    static final String EVENT = "event";
    static final String PARKED_AT = "parkedAt";
    /** How long a parked event waits for a replay before DynamoDB's TTL may delete it. */
    public static final Duration RETENTION = Duration.ofDays(14);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoDbUsageOutbox(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public void park(UsageEvent event) {
        long now = clock.millis();
        dynamo.putItem(r -> r.tableName(table)
                .item(Map.of(
                        SluiceTables.EVENT_ID,
                        Attributes.s(event.requestId()),
                        EVENT,
                        Attributes.s(new String(UsageEventCodec.encode(event), StandardCharsets.UTF_8)),
                        PARKED_AT,
                        Attributes.n(now),
                        SluiceTables.EXPIRES_AT,
                        Attributes.n((now + RETENTION.toMillis()) / 1000))));
    }

    /**
     * An item whose event cannot be read (written by hand, say) is logged as an unsent-usage line, so it can still be
     * replayed from the log once corrected, and removed, so it never blocks the outbox.
     */
    @Override
    public List<UsageEvent> batch(int limit) {
        List<UsageEvent> events = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.scan(
                        r -> r.tableName(table).limit(limit).consistentRead(true))
                .items()) {
            String json = Attributes.string(item, EVENT);
            try {
                events.add(UsageEventCodec.decode(json.getBytes(StandardCharsets.UTF_8)));
            } catch (RuntimeException unreadable) {
                String id = Attributes.string(item, SluiceTables.EVENT_ID);
                LOG.error("{} unreadable outbox item {}: {}", UnsentUsageLog.MARKER, id, json);
                delete(id);
            }
        }
        return events;
    }

    @Override
    public void remove(Collection<UsageEvent> replayed) {
        replayed.forEach(event -> delete(event.requestId()));
    }

    private void delete(String eventId) {
        dynamo.deleteItem(r -> r.tableName(table).key(Map.of(SluiceTables.EVENT_ID, Attributes.s(eventId))));
    }
}
