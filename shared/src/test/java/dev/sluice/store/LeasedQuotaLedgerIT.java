package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.quota.Charge;
import dev.sluice.quota.LeasedQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.Reservation;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Quota leases against DynamoDB Local, as two gateway instances use them: each with its own client and leases over
 * one counter item. However the requests interleave, the item never admits past a limit; once the leases settle it
 * holds exactly what the admitted requests used, every slot is back, and far fewer writes reached it than requests.
 */
@Timeout(120)
class LeasedQuotaLedgerIT {
    private static final DynamoDbClient DYNAMO = LocalDynamoDb.shared().newClient();

    @Test
    void twoInstances_concurrently_stayWithinEveryLimit_settleExactly_andWriteLittle() throws Exception {
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("leased") + "-");
        SluiceTables.createAll(DYNAMO, tables);
        AtomicInteger writes = new AtomicInteger();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(5);
        List<LeasedQuotaLedger> instances = List.of(instance(tables, writes, now), instance(tables, writes, now));
        Limits limits = new Limits(1_000, 10_000_000, 200, 1_000_000_000, 10_000_000_000L);
        Charge worstCase = new Charge(1, 2_000, 4_000);
        Charge actual = new Charge(1, 700, 1_500);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger taken = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            LeasedQuotaLedger instance = instances.get(t % 2);
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                    if (instance.reserve("key#hot", limits, worstCase, 1, now)
                            instanceof QuotaLedger.Taking.Taken admitted) {
                        taken.incrementAndGet();
                        Thread.sleep(1); // a request in flight, holding its slot
                        instance.settle(admitted.reservation(), actual, now);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(100, TimeUnit.SECONDS);
        }
        pool.shutdown();
        instances.forEach(LeasedQuotaLedger::close);

        assertThat(taken.get()).as("1,600 tries against 1,000 a minute").isLessThanOrEqualTo(1_000);
        Map<String, AttributeValue> item = DYNAMO.getItem(
                        r -> r.tableName(tables.counters()).key(Map.of(SluiceTables.COUNTER, Attributes.s("key#hot"))))
                .item();
        assertThat(Long.parseLong(item.get("rq").n())).isEqualTo(taken.get());
        assertThat(Long.parseLong(item.get("tk").n())).isEqualTo(700L * taken.get());
        assertThat(Long.parseLong(item.get("dc").n())).isEqualTo(1_500L * taken.get());
        assertThat(Long.parseLong(item.get("mc").n())).isEqualTo(1_500L * taken.get());
        assertThat(Long.parseLong(item.get("ct").n())).as("every slot back").isZero();
        assertThat(writes.get())
                .as("writes that took from the counters, for %d admitted requests", taken.get())
                .isLessThan(taken.get() / 3);
    }

    /** @param writes counts the reservations the counter item granted */
    private static LeasedQuotaLedger instance(TableNames tables, AtomicInteger writes, Instant now) {
        QuotaLedger counters = new DynamoDbQuotaLedger(LocalDynamoDb.shared().newClient(), tables.counters());
        QuotaLedger counting = new QuotaLedger() {
            @Override
            public Taking reserve(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
                Taking taking = counters.reserve(scopeId, limits, charge, slots, now);
                if (taking instanceof Taking.Taken) {
                    writes.incrementAndGet(); // a refusal costs a write with or without leases
                }
                return taking;
            }

            @Override
            public void settle(Reservation reservation, Charge actual, Instant now) {
                counters.settle(reservation, actual, now);
            }
        };
        return new LeasedQuotaLedger(counting, Clock.fixed(now, ZoneOffset.UTC), false);
    }
}
