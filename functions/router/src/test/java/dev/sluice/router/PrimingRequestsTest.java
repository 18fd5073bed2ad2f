package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.auth.ApiKeys;
import dev.sluice.secret.SecretsManagerSecretStore;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbRouteRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Priming's AWS requests are exactly those the adapters send for the same key, alias, counter and secret: each
 * adapter runs against a client that records the request it was given and stops it before the network.
 */
class PrimingRequestsTest {
    private final List<SdkRequest> sent = new ArrayList<>();
    private final ExecutionInterceptor recordAndStop = new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            sent.add(context.request());
            throw new IllegalStateException("recorded; not sent");
        }
    };

    @Test
    void requestPathRequests_equalWhatTheAdaptersSend() {
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                        .region(Region.US_EAST_1)
                        .credentialsProvider(AnonymousCredentialsProvider.create())
                        .overrideConfiguration(c -> c.addExecutionInterceptor(recordAndStop))
                        .build();
                SecretsManagerClient secrets = SecretsManagerClient.builder()
                        .region(Region.US_EAST_1)
                        .credentialsProvider(AnonymousCredentialsProvider.create())
                        .overrideConfiguration(c -> c.addExecutionInterceptor(recordAndStop))
                        .build()) {
            String table = Priming.PRIMING_TABLE;

            assertThatThrownBy(
                    () -> new DynamoDbKeyRepository(dynamo, table).findByHash(ApiKeys.sha256Hex(Priming.PRIMING_KEY)));
            assertThatThrownBy(() -> new DynamoDbRouteRepository(dynamo, table).find(Priming.MODEL));
            assertThatThrownBy(() -> new DynamoDbQuotaLedger(dynamo, table)
                    .reserve(
                            Priming.PRIMING_COUNTER,
                            Priming.PRIMING_LIMITS,
                            Priming.PRIMING_CHARGE,
                            true,
                            Instant.EPOCH));
            assertThatThrownBy(() -> new SecretsManagerSecretStore(secrets).get(Priming.PRIMING_SECRET));
        }

        assertThat(Priming.requestPathRequests()).containsExactlyElementsOf(sent);
    }
}
