package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.StoredKey;
import dev.sluice.auth.Tenant;
import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.quota.Limits;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
                ApiKey.Role.ADMIN,
                ApiKey.Status.ACTIVE,
                Set.of("demo", "gpt"),
                new Limits(60, 10_000, 4, 1_000_000, 20_000_000),
                Instant.parse("2027-01-01T00:00:00Z"),
                IpAllowlist.parse(List.of("10.0.0.0/8", "2001:db8::/32")));
        ApiKey other = ApiKey.app("key_other", "tenant-b", "b", Set.of(), Limits.NONE);

        keys.put(hash, key);
        keys.put(ApiKeys.sha256Hex("sk-sluice-b"), other);

        assertThat(keys.findByHash(hash)).contains(key);
        assertThat(keys.findByTenant("tenant-a")).containsExactly(new StoredKey(hash, key));
        assertThat(keys.findById(key.keyId())).contains(new StoredKey(hash, key));
        assertThat(keys.findById("key_missing")).isEmpty();
        assertThat(keys.findByHash(ApiKeys.sha256Hex("sk-sluice-other"))).isEmpty();
        String everything = dynamo.scan(r -> r.tableName(names.keys())).items().toString();
        assertThat(everything).doesNotContain(plain).doesNotContain(plain.substring(ApiKeys.PREFIX.length()));
    }

    @Test
    void tenants_roundTripWithLimitsModelsAndAllowlist() {
        DynamoDbTenantRepository tenants = new DynamoDbTenantRepository(dynamo, names.tenants());
        Tenant acme = new Tenant(
                "acme",
                "Acme Corp",
                Tenant.Status.SUSPENDED,
                Set.of("gpt"),
                new Limits(100, 0, 10, 5_000_000, 0),
                IpAllowlist.parse(List.of("203.0.113.0/24")));
        Tenant open = new Tenant("beta", null, Tenant.Status.ACTIVE, Set.of(), Limits.NONE);

        tenants.put(acme);
        tenants.put(open);

        assertThat(tenants.find("acme")).contains(acme);
        assertThat(tenants.find("beta")).contains(open);
        assertThat(tenants.find("missing")).isEmpty();
        assertThat(tenants.create(new Tenant("acme", "Other", Tenant.Status.ACTIVE, Set.of(), Limits.NONE)))
                .as("create never overwrites")
                .isFalse();
        assertThat(tenants.find("acme")).contains(acme);
        assertThat(tenants.create(new Tenant("gamma", null, Tenant.Status.ACTIVE, Set.of(), Limits.NONE)))
                .isTrue();
        assertThat(tenants.findAll()).extracting(Tenant::tenantId).containsExactly("acme", "beta", "gamma");
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
                        new Deployment("demo", "demo-1", null, null, Pricing.FREE, Duration.ofSeconds(60))),
                new RetryPolicy(
                        3,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30)));
        Route other = new Route("a-first", List.of(new Deployment("demo", "d", null, null, null, null)));

        routes.put(route);
        routes.put(other);

        assertThat(routes.find("gpt-4o-mini")).contains(route);
        assertThat(routes.find("missing")).isEmpty();
        assertThat(routes.findAll()).extracting(Route::alias).containsExactly("a-first", "gpt-4o-mini");
    }

    @Test
    void tenants_roundTripTheirGuard_andAnItemWrittenBeforeGuardsReadsAsOff() {
        DynamoDbTenantRepository tenants = new DynamoDbTenantRepository(dynamo, names.tenants());
        Tenant guarded = new Tenant(
                "guarded",
                "Guarded",
                Tenant.Status.ACTIVE,
                Set.of(),
                Limits.NONE,
                IpAllowlist.ANY,
                GuardPolicy.of(
                        GuardPolicy.Mode.BLOCK,
                        List.of("project\\s+falcon", "osprey"),
                        new BedrockGuardrail("gr1abc", "DRAFT", "eu-west-1")));
        Tenant redacting = new Tenant(
                "redacting",
                null,
                Tenant.Status.ACTIVE,
                Set.of(),
                Limits.NONE,
                IpAllowlist.ANY,
                new GuardPolicy(GuardPolicy.Mode.REDACT, List.of()));
        dynamo.putItem(r -> r.tableName(names.tenants())
                .item(Map.of(
                        SluiceTables.TENANT_ID,
                        Attributes.s("old"),
                        "name",
                        Attributes.s("Old"),
                        "status",
                        Attributes.s("ACTIVE"))));

        tenants.put(guarded);
        tenants.put(redacting);

        assertThat(tenants.find("guarded")).contains(guarded);
        assertThat(tenants.find("redacting")).contains(redacting);
        assertThat(tenants.find("old").orElseThrow().guard()).isEqualTo(GuardPolicy.OFF);
        assertThat(tenants.find("guarded")
                        .orElseThrow()
                        .withStatus(Tenant.Status.SUSPENDED)
                        .guard())
                .as("suspending keeps the guard")
                .isEqualTo(guarded.guard());
    }

    @Test
    void routes_roundTripTheirGuardWithABedrockGuardrail() {
        DynamoDbRouteRepository routes = new DynamoDbRouteRepository(dynamo, names.routes());
        Route route = new Route(
                "guarded",
                List.of(new Deployment("demo", "d", null, null, Pricing.FREE, null)),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(),
                null,
                CachePolicy.DEFAULT,
                GuardPolicy.of(GuardPolicy.Mode.OFF, List.of(), new BedrockGuardrail("gr1abc", "3", null)));

        routes.put(route);

        assertThat(routes.find("guarded")).contains(route);
    }
}
