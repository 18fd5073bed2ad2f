package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.health.BreakerPolicy;
import dev.sluice.health.BreakerState;
import dev.sluice.health.HealthBoard;
import dev.sluice.health.SharedHealth;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Shared health items in the counters table of DynamoDB Local, and two boards meeting through them. */
class DynamoDbHealthStoreIT {
    private static final Deployment GPT =
            new Deployment("openai", "gpt-4o", "https://api.openai.com/v1", "openai", Pricing.FREE, null);

    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private final MutableClock clock = new MutableClock(Instant.parse("2027-03-01T12:00:00Z"));
    private TableNames names;
    private DynamoDbHealthStore store;

    @BeforeEach
    void createTables() {
        names = TableNames.withPrefix(LocalDynamoDb.uniqueName("health") + "-");
        SluiceTables.createAll(dynamo, names);
        store = new DynamoDbHealthStore(dynamo, names.counters(), clock);
    }

    @Test
    void publish_thenRead_roundTripsTheRecordWithAnExpiryADayAhead() {
        SharedHealth open = new SharedHealth(
                "openai/gpt-4o", BreakerState.OPEN, 1_000, 16_000, 123.456, 0.0001, "upstream_unavailable", 999);
        SharedHealth quiet = new SharedHealth("demo/echo", BreakerState.CLOSED, 0, 0, -1, 0, null, 0);

        store.publish(open);
        store.publish(quiet);

        assertThat(store.read("openai/gpt-4o")).contains(open);
        assertThat(store.read("demo/echo")).contains(quiet);
        assertThat(store.read("nobody/never")).isEmpty();
        Map<String, AttributeValue> item = rawItem("openai/gpt-4o");
        assertThat(item.get(SluiceTables.EXPIRES_AT).n())
                .isEqualTo(
                        Long.toString(clock.instant().plus(Duration.ofDays(1)).getEpochSecond()));
        assertThat(item.get("state").s()).isEqualTo("open");
    }

    @Test
    void readAll_returnsOnlyHealthItems_besideQuotaCounters() {
        dynamo.putItem(r -> r.tableName(names.counters())
                .item(Map.of(SluiceTables.COUNTER, Attributes.s("tenant#acme"), "rq", Attributes.n(3))));
        SharedHealth a = new SharedHealth("a/model", BreakerState.OPEN, 10, 20, 50, 0.5, "timeout", 9);
        SharedHealth b = new SharedHealth("b/model", BreakerState.CLOSED, 30, 0, 70, 0.1, null, 0);
        store.publish(b);
        store.publish(a);

        assertThat(store.readAll()).containsExactly(a, b);
    }

    @Test
    void publishStats_keepsAnOpenState_andStartsAMissingItemClosed() {
        SharedHealth open =
                new SharedHealth("openai/gpt-4o", BreakerState.OPEN, 1_000, 16_000, 80, 0.4, "timeout", 900);
        store.publish(open);

        store.publishStats(new SharedHealth("openai/gpt-4o", BreakerState.CLOSED, 5_000, 0, 95.5, 0.25, null, 0));
        store.publishStats(new SharedHealth("demo/echo", BreakerState.OPEN, 5_000, 9_000, 12, 0, null, 0));

        assertThat(store.read("openai/gpt-4o"))
                .contains(new SharedHealth(
                        "openai/gpt-4o", BreakerState.OPEN, 1_000, 16_000, 95.5, 0.25, "timeout", 900));
        assertThat(store.read("demo/echo"))
                .contains(new SharedHealth("demo/echo", BreakerState.CLOSED, 0, 0, 12, 0, null, 0));
        clock.advance(Duration.ofHours(1));
        store.publishStats(
                new SharedHealth("openai/gpt-4o", BreakerState.CLOSED, 0, 0, 90, 0.3, "rate_limited", 7_000));
        assertThat(store.read("openai/gpt-4o"))
                .contains(new SharedHealth(
                        "openai/gpt-4o", BreakerState.OPEN, 1_000, 16_000, 90, 0.3, "rate_limited", 7_000));
        assertThat(rawItem("openai/gpt-4o").get(SluiceTables.EXPIRES_AT).n())
                .isEqualTo(
                        Long.toString(clock.instant().plus(Duration.ofDays(1)).getEpochSecond()));
    }

    @Test
    void secondBoard_onItsOwnClient_seesTheFirstBoardsOpenBreaker() {
        HealthBoard first = new HealthBoard(store, BreakerPolicy.DEFAULT, clock::millis);
        for (int i = 0; i < BreakerPolicy.DEFAULT.consecutiveFailures(); i++) {
            first.onFailure(GPT, "upstream_unavailable");
        }
        assertThat(first.available(GPT)).isFalse();

        HealthBoard second = new HealthBoard(
                new DynamoDbHealthStore(LocalDynamoDb.shared().newClient(), names.counters(), clock),
                BreakerPolicy.DEFAULT,
                clock::millis);

        assertThat(second.tryAcquire(GPT)).isFalse();
        assertThat(second.snapshot(GPT).state()).isEqualTo(BreakerState.OPEN);
        assertThat(second.snapshot(GPT).retryAtMillis()).isEqualTo(clock.millis() + 15_000);
    }

    private Map<String, AttributeValue> rawItem(String key) {
        return dynamo.getItem(r -> r.tableName(names.counters())
                        .key(Map.of(SluiceTables.COUNTER, Attributes.s("health#" + key)))
                        .consistentRead(true))
                .item();
    }
}
