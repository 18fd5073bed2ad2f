package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyLimits;
import dev.sluice.quota.Admission;
import dev.sluice.quota.RequestAdmitter;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Admission against DynamoDB Local: the conditional ADD is what keeps concurrent instances within the limit. */
class DynamoDbQuotaLedgerIT {
    private final DynamoDbClient dynamo = LocalDynamoDb.shared().newClient();
    /** DynamoDB Local deletes items whose TTL has passed, so test windows sit at the real present. */
    private static final Instant WINDOW_START = Instant.now().truncatedTo(ChronoUnit.MINUTES);

    private static final Instant EXPIRES = WINDOW_START.plus(Duration.ofHours(1));
    private final MutableClock clock = new MutableClock(WINDOW_START.plusSeconds(5));
    private DynamoDbQuotaLedger ledger;
    private String table;

    @BeforeEach
    void createTables() {
        TableNames names = TableNames.withPrefix(LocalDynamoDb.uniqueName("quota") + "-");
        SluiceTables.createAll(dynamo, names);
        table = names.counters();
        ledger = new DynamoDbQuotaLedger(dynamo, table);
    }

    @Test
    void tryTake_200ConcurrentAgainstLimit50_admitsExactly50() throws Exception {
        int callers = 200;
        long limit = 50;
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return ledger.tryTake("rpm#key_x#1", 1, limit, EXPIRES);
            }));
        }
        start.countDown();
        long admitted = 0;
        for (Future<Boolean> result : results) {
            if (result.get(30, TimeUnit.SECONDS)) {
                admitted++;
            }
        }
        pool.shutdown();

        assertThat(admitted).isEqualTo(limit);
        var item = dynamo.getItem(r ->
                        r.tableName(table).key(java.util.Map.of(SluiceTables.COUNTER, Attributes.s("rpm#key_x#1"))))
                .item();
        assertThat(item.get("used").n()).isEqualTo("50");
        assertThat(item.get(SluiceTables.EXPIRES_AT).n()).isEqualTo(Long.toString(EXPIRES.getEpochSecond()));
    }

    @Test
    void admitter_overDynamoDb_deniesTheThirdOfTwoPerMinute_andResetsNextMinute() {
        RequestAdmitter admitter = new RequestAdmitter(ledger, clock);
        ApiKey key = new ApiKey("key_rpm", "t", "k", ApiKey.Status.ACTIVE, Set.of(), new KeyLimits(2), null);

        assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
        assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
        assertThat(admitter.admit(key))
                .isInstanceOfSatisfying(
                        Admission.Denied.class,
                        denied -> assertThat(denied.retryAfterSeconds()).isEqualTo(55));

        clock.advance(Duration.ofMinutes(1));
        assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
    }
}
