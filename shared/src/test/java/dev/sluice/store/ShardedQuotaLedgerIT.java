package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.quota.Charge;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.ShardedQuotaLedger;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Sharded counters against DynamoDB Local, as two gateway instances would use them: each with its own client and
 * ledger, admitting at once against one scope whose limit is spread over shards. The limit holds exactly, and the
 * shards carry the writes that one item would have carried alone.
 */
@Timeout(120)
class ShardedQuotaLedgerIT {
    private static final DynamoDbClient DYNAMO = LocalDynamoDb.shared().newClient();

    @Test
    void twoInstances_concurrently_admitExactlyTheLimit_spreadOverTheShards() throws Exception {
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("sharded") + "-");
        SluiceTables.createAll(DYNAMO, tables);
        List<QuotaLedger> instances = List.of(
                new ShardedQuotaLedger(
                        new DynamoDbQuotaLedger(LocalDynamoDb.shared().newClient(), tables.counters()), 2),
                new ShardedQuotaLedger(
                        new DynamoDbQuotaLedger(LocalDynamoDb.shared().newClient(), tables.counters()), 2));
        Limits limits = Limits.requestsPerMinute(1_000); // 2 shards of 500; two tries reach both
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(5);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 1_400; i++) {
            QuotaLedger instance = instances.get(i % 2);
            results.add(pool.submit(() -> {
                start.await();
                return instance.reserve("tenant#hot", limits, new Charge(1, 0, 0), false, now)
                        instanceof QuotaLedger.Taking.Taken;
            }));
        }
        start.countDown();
        int taken = 0;
        for (Future<Boolean> result : results) {
            if (result.get(100, TimeUnit.SECONDS)) {
                taken++;
            }
        }
        pool.shutdown();

        assertThat(taken).isEqualTo(1_000);
        for (int shard = 0; shard < 2; shard++) {
            String id = "tenant#hot#s" + shard;
            var item = DYNAMO.getItem(
                            r -> r.tableName(tables.counters()).key(Map.of(SluiceTables.COUNTER, Attributes.s(id))))
                    .item();
            assertThat(item.get("rq").n()).as("shard %d", shard).isEqualTo("500");
        }
        assertThat(DYNAMO.getItem(r -> r.tableName(tables.counters())
                                .key(Map.of(SluiceTables.COUNTER, Attributes.s("tenant#hot"))))
                        .hasItem())
                .as("no unsharded item")
                .isFalse();
    }
}
