package dev.sluice.store;

import static dev.sluice.usage.UsageEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.MutableClock;
import dev.sluice.usage.event.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The usage outbox on DynamoDB Local, in the table {@link SluiceTables} creates. */
class DynamoDbUsageOutboxIT {
    private static final Instant NOW = Instant.parse("2026-12-05T19:00:00Z");
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private String table;
    private DynamoDbUsageOutbox outbox;

    @BeforeEach
    void createTable() {
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("outbox") + "-");
        SluiceTables.createAll(dynamo, tables);
        table = tables.outbox();
        outbox = new DynamoDbUsageOutbox(dynamo, table, new MutableClock(NOW));
    }

    @Test
    void park_keepsTheEventByRequestId_withParkedAtAndA14DayExpiry() {
        outbox.park(usage(1));
        outbox.park(usage(1)); // parked again: still one

        assertThat(outbox.batch(10)).containsExactly(usage(1));
        Map<String, AttributeValue> item = dynamo.getItem(
                        r -> r.tableName(table).key(Map.of(SluiceTables.EVENT_ID, Attributes.s("req_1"))))
                .item();
        assertThat(Attributes.number(item, "parkedAt", 0)).isEqualTo(NOW.toEpochMilli());
        assertThat(Attributes.number(item, SluiceTables.EXPIRES_AT, 0))
                .isEqualTo(NOW.plus(DynamoDbUsageOutbox.RETENTION).getEpochSecond());
    }

    @Test
    void batch_thenRemove_drainsEveryParkedEventOnce() {
        List<UsageEvent> parked = IntStream.range(0, 25).mapToObj(i -> usage(i)).toList();
        parked.forEach(outbox::park);
        outbox.park(new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_3:semantic-cache",
                1L,
                "tenant-0",
                "key_1",
                "embed",
                "demo",
                "demo-embed",
                4,
                0,
                0,
                0,
                1,
                1,
                -1,
                UsageEvent.OK,
                200,
                false,
                false,
                false));

        List<UsageEvent> drained = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            List<UsageEvent> batch = outbox.batch(10);
            if (batch.isEmpty()) {
                break;
            }
            assertThat(batch).hasSizeLessThanOrEqualTo(10);
            drained.addAll(batch);
            outbox.remove(batch);
        }

        assertThat(drained).hasSize(26).containsAll(parked);
        assertThat(drained).extracting(UsageEvent::requestId).contains("req_3:semantic-cache");
        assertThat(outbox.batch(10)).isEmpty();
    }

    @Test
    void batch_unreadableItem_isRemoved_andTheOthersRead() {
        outbox.park(usage(1));
        dynamo.putItem(r -> r.tableName(table)
                .item(Map.of(
                        SluiceTables.EVENT_ID,
                        Attributes.s("broken"),
                        "event",
                        Attributes.s("{\"not\":\"an event\"}"))));

        assertThat(outbox.batch(10)).containsExactly(usage(1));
        assertThat(outbox.batch(10)).containsExactly(usage(1));
    }
}
