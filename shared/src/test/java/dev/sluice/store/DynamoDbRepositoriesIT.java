package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Keys and routes round-trip through DynamoDB Local unchanged; the key itself is never stored. */
class DynamoDbRepositoriesIT {
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    private TableNames names;

    @BeforeEach
    void createTables() {
        names = TableNames.withPrefix(LocalDynamoDb.uniqueName("repos") + "-");
        SluiceTables.createAll(dynamo, names);
    }

    @Test
    void keys_roundTripByHash_andStoreNoPlainKey() {
        DynamoDbKeyRepository keys = new DynamoDbKeyRepository(dynamo, names.keys());
        String plain = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(plain);
        ApiKey key = new ApiKey(
                ApiKeys.keyIdFor(hash),
                "tenant-a",
                "ci",
                ApiKey.Role.APP,
                ApiKey.Status.ACTIVE,
                Set.of("demo", "gpt"),
                Limits.requestsPerMinute(60),
                Instant.parse("2027-01-01T00:00:00Z"));

        keys.put(hash, key);

        assertThat(keys.findByHash(hash)).contains(key);
        assertThat(keys.findByHash(ApiKeys.sha256Hex("sk-sluice-other"))).isEmpty();
        String everything = dynamo.scan(r -> r.tableName(names.keys())).items().toString();
        assertThat(everything).doesNotContain(plain).doesNotContain(plain.substring(ApiKeys.PREFIX.length()));
    }

    @Test
    void routes_roundTripWithDeploymentsInOrder() {
        DynamoDbRouteRepository routes = new DynamoDbRouteRepository(dynamo, names.routes());
        Route route = new Route(
                "gpt-4o-mini",
                List.of(
                        new Deployment(
                                "openai-compatible",
                                "gpt-4o-mini",
                                "https://api.openai.com/v1",
                                "openai",
                                new Pricing(150_000, 600_000, 75_000),
                                Duration.ofSeconds(30)),
                        new Deployment("demo", "demo-1", null, null, Pricing.FREE, Duration.ofSeconds(60))));
        Route other = new Route("a-first", List.of(new Deployment("demo", "d", null, null, null, null)));

        routes.put(route);
        routes.put(other);

        assertThat(routes.find("gpt-4o-mini")).contains(route);
        assertThat(routes.find("missing")).isEmpty();
        assertThat(routes.findAll()).extracting(Route::alias).containsExactly("a-first", "gpt-4o-mini");
    }
}
