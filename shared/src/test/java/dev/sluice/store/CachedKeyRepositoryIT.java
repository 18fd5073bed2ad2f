package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.cache.TtlCache;
import dev.sluice.quota.Limits;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.ParkedCallers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * The key cache in front of the real adapter on DynamoDB Local, counting the GetItem calls the SDK client sends:
 * concurrent requests for one key cost one read, and a flood of made-up keys costs one read per distinct key while
 * the valid keys stay cached.
 */
class CachedKeyRepositoryIT {
    private final GetItemCounter getItems = new GetItemCounter();
    private final DynamoDbClient dynamo = DynamoDbClient.builder()
            .endpointOverride(LocalDynamoDb.shared().endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("sluicetest", "x")))
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .overrideConfiguration(c -> c.addExecutionInterceptor(getItems))
            .build();
    private DynamoDbKeyRepository table;

    @BeforeEach
    void createTables() {
        TableNames names = TableNames.withPrefix(LocalDynamoDb.uniqueName("keycache") + "-");
        SluiceTables.createAll(dynamo, names);
        table = new DynamoDbKeyRepository(dynamo, names.keys());
    }

    @Test
    void findByHash_manyConcurrentRequestsForOneUncachedKey_readDynamoDbOnce() throws Exception {
        String valid = store("tenant-a");
        String unknown = ApiKeys.sha256Hex(ApiKeys.newKey());
        CachedKeyRepository cached = new CachedKeyRepository(table, Duration.ofSeconds(5), Clock.systemUTC());

        List<Optional<ApiKey>> found = concurrently(cached, valid, 100);
        List<Optional<ApiKey>> missing = concurrently(cached, unknown, 100);

        assertThat(found)
                .allSatisfy(key -> assertThat(key).map(ApiKey::tenantId).contains("tenant-a"));
        assertThat(missing).allSatisfy(key -> assertThat(key).isEmpty());
        assertThat(getItems.count)
                .as("one GetItem for the valid key, one for the unknown one")
                .hasValue(2);
    }

    @Test
    void findByHash_floodOfRandomKeys_readsEachOnceAndEvictsNoValidKey() throws Exception {
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            valid.add(store("tenant-" + i));
        }
        // Small bounds so the flood overflows the miss cache many times over.
        CachedKeyRepository cached = new CachedKeyRepository(
                table, TtlCache.Limits.of(Duration.ofMinutes(5), 20, Duration.ofSeconds(30), 10), Clock.systemUTC());
        valid.forEach(cached::findByHash);
        getItems.count.set(0);

        int distinct = 300;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Optional<ApiKey>>> results = new ArrayList<>();
            for (int i = 0; i < distinct; i++) {
                String bogus = ApiKeys.sha256Hex(ApiKeys.newKey());
                for (int repeat = 0; repeat < 3; repeat++) { // each bad key presented three times at once
                    results.add(threads.submit(() -> cached.findByHash(bogus)));
                }
            }
            for (Future<Optional<ApiKey>> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isEmpty();
            }
        }

        assertThat(getItems.count.get())
                .as("at most one read per distinct bad key")
                .isLessThanOrEqualTo(distinct);
        getItems.count.set(0);
        valid.forEach(hash -> assertThat(cached.findByHash(hash)).isPresent());
        assertThat(getItems.count).as("no valid key was evicted").hasValue(0);
    }

    private List<Optional<ApiKey>> concurrently(CachedKeyRepository cached, String hash, int callers) throws Exception {
        getItems.hold();
        List<Optional<ApiKey>> results = new ArrayList<>();
        // Released once every caller is parked: in the held GetItem, or waiting for it.
        for (Future<Optional<ApiKey>> future :
                ParkedCallers.run(callers, () -> cached.findByHash(hash), getItems::release)) {
            results.add(future.get());
        }
        return results;
    }

    private String store(String tenant) {
        String hash = ApiKeys.sha256Hex(ApiKeys.newKey());
        table.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        tenant,
                        "test",
                        ApiKey.Role.APP,
                        ApiKey.Status.ACTIVE,
                        Set.of(),
                        Limits.NONE,
                        null));
        return hash;
    }

    /** Counts the GetItem calls the client sends; can hold them at the start until released. */
    private static final class GetItemCounter implements ExecutionInterceptor {
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));

        void hold() {
            gate.set(new CountDownLatch(1));
        }

        void release() {
            gate.get().countDown();
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof GetItemRequest) {
                count.incrementAndGet();
                try {
                    if (!gate.get().await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("GetItem held and never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
