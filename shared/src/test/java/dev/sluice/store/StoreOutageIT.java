package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.error.GatewayException;
import dev.sluice.quota.Charge;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.secret.SecretsManagerSecretStore;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.OutageProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The key, route and quota adapters (and the secret store) when their service is slow (a loopback proxy that
 * accepts and never answers) or unreachable (nothing listens): each call ends within the client's call timeout with
 * a 503 {@code service_unavailable} and a Retry-After, and the same adapters serve normally once DynamoDB Local is
 * back.
 */
class StoreOutageIT {
    /** Short budgets keep the test quick; production defaults are 2 s and 1 s. */
    private static final AwsSettings SETTINGS =
            new AwsSettings("us-east-1", true, Duration.ofMillis(1500), Duration.ofMillis(500));
    /** A hang guard, far above the 1.5 s budget: a call that outlives it did not respect its timeout. */
    private static final long HANG_GUARD_MILLIS = 10_000;

    private static final Limits LIMITS = new Limits(100, 10_000, 10, 1_000_000, 10_000_000);
    private static final Charge CHARGE = new Charge(1, 100, 10);

    private final OutageProxy proxy =
            OutageProxy.forwardingTo(LocalDynamoDb.shared().endpoint());
    private DynamoDbClient dynamo;
    private DynamoDbKeyRepository keys;
    private DynamoDbRouteRepository routes;
    private DynamoDbQuotaLedger ledger;
    private String keyHash;

    @BeforeEach
    void createTables() {
        TableNames names = TableNames.withPrefix(LocalDynamoDb.uniqueName("outage") + "-");
        keyHash = ApiKeys.sha256Hex(ApiKeys.newKey());
        try (DynamoDbClient direct = LocalDynamoDb.shared().newClient()) { // set-up is not under test
            SluiceTables.createAll(direct, names);
            new DynamoDbKeyRepository(direct, names.keys())
                    .put(
                            keyHash,
                            new ApiKey(
                                    "key_outage",
                                    "tenant-a",
                                    "test",
                                    ApiKey.Role.APP,
                                    ApiKey.Status.ACTIVE,
                                    Set.of(),
                                    Limits.requestsPerMinute(100),
                                    null));
            new DynamoDbRouteRepository(direct, names.routes())
                    .put(new Route("demo", List.of(new Deployment("demo", "demo-1", null, null, null, null))));
        }
        dynamo = AwsClients.create(SETTINGS).dynamoDb(proxy.endpoint());
        keys = new DynamoDbKeyRepository(dynamo, names.keys());
        routes = new DynamoDbRouteRepository(dynamo, names.routes());
        ledger = new DynamoDbQuotaLedger(dynamo, names.counters());
    }

    @AfterEach
    void stop() {
        dynamo.close();
        proxy.close();
    }

    @ParameterizedTest
    @EnumSource(
            value = OutageProxy.Mode.class,
            names = {"HANG", "REFUSE"})
    void everyPort_duringAnOutage_answers503Quickly_andServesAgainAfterIt(OutageProxy.Mode outage) {
        proxy.mode(outage);

        assertUnavailable(() -> keys.findByHash(keyHash));
        assertUnavailable(() -> routes.find("demo"));
        assertUnavailable(routes::findAll);
        assertUnavailable(() -> ledger.reserve("key#key_outage", LIMITS, CHARGE, true, Instant.now()));

        proxy.mode(OutageProxy.Mode.FORWARD);

        assertThat(keys.findByHash(keyHash)).map(ApiKey::tenantId).contains("tenant-a");
        assertThat(routes.find("demo")).isPresent();
        assertThat(routes.findAll()).hasSize(1);
        assertThat(ledger.reserve("key#key_outage", LIMITS, CHARGE, true, Instant.now()))
                .isInstanceOf(QuotaLedger.Taking.Taken.class);
    }

    @Test
    void keysAndSecrets_portWithNothingListening_answer503() throws IOException {
        URI nothingListens = closedPort();
        try (DynamoDbClient nowhere = AwsClients.create(SETTINGS).dynamoDb(nothingListens);
                SecretsManagerClient noSecrets = AwsClients.create(SETTINGS).secretsManager(nothingListens)) {
            assertUnavailable(() -> new DynamoDbKeyRepository(nowhere, "keys").findByHash(keyHash));
            assertUnavailable(() -> new SecretsManagerSecretStore(noSecrets).get("openai"));
        }
    }

    private static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    private static void assertUnavailable(Supplier<?> call) {
        long started = System.nanoTime();
        Throwable failure = catchThrowable(call::get);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(failure).isInstanceOf(GatewayException.class);
        GatewayException error = (GatewayException) failure;
        assertThat(error.status()).isEqualTo(503);
        assertThat(error.code()).isEqualTo("service_unavailable");
        assertThat(error.retryAfterSeconds()).hasValue(1);
        assertThat(error.getMessage()).doesNotContain("127.0.0.1").doesNotContain("outage");
        assertThat(tookMillis).as("bounded by the call timeout, not hanging").isLessThan(HANG_GUARD_MILLIS);
    }
}
