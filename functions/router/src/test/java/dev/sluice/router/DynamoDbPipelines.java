package dev.sluice.router;

import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.TableNames;
import dev.sluice.usage.UsagePublisher;
import dev.sluice.usage.store.DynamoDbUsageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The router's pipeline over one test's DynamoDB tables, wired as {@link RouterMain} wires it, with the demo model. */
final class DynamoDbPipelines {
    private DynamoDbPipelines() {}

    static GatewayPipeline demo(DynamoDbClient dynamo, TableNames tables, UsagePublisher usage) {
        return GatewayWiring.pipeline(
                new DynamoDbKeyRepository(dynamo, tables.keys()),
                new DynamoDbTenantRepository(dynamo, tables.tenants()),
                new DynamoDbRouteRepository(dynamo, tables.routes()),
                new DynamoDbQuotaLedger(dynamo, tables.counters()),
                new DynamoDbUsageStore(dynamo, tables.usage()),
                new LocalSecretStore(Map.of()),
                usage,
                List.of(new DemoProvider(Duration.ZERO)),
                Duration.ofSeconds(30),
                Duration.ofSeconds(30),
                Clock.systemUTC());
    }
}
