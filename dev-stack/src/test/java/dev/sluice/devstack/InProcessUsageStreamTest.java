package dev.sluice.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.aggregate.UsageFolder;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.InMemoryUsageStore;
import dev.sluice.usage.store.UsageRow;
import dev.sluice.usage.store.UsageStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class InProcessUsageStreamTest {
    private static final long NO_POLLING = 3_600_000;

    @Test
    void deliver_whileTheStoreFailsThenRecovers_keepsTheBacklogAndCountsEveryEventOnce() {
        FlakyStore store = new FlakyStore();
        try (InProcessUsageStream stream = new InProcessUsageStream(new UsageAggregator(store), NO_POLLING)) {
            for (int i = 0; i < 2_500; i++) {
                stream.publish(event(i));
            }
            store.failing = true;
            assertThat(stream.deliver()).isZero();
            assertThat(stream.pendingCount()).isEqualTo(2_500);

            store.failing = false;
            long delivered = 0;
            for (int batch = 0; batch < 100 && stream.pendingCount() > 0; batch++) {
                delivered += stream.deliver();
            }

            assertThat(delivered).isEqualTo(2_500);
            assertThat(stream.pendingCount()).isZero();
            assertThat(store.query("t", "day#").stream()
                            .map(UsageRow::totals)
                            .reduce(UsageTotals.ZERO, UsageTotals::plus)
                            .requests())
                    .isEqualTo(2_500);
        }
    }

    @Test
    void deliver_takesOneBatchFromTheHead() {
        FlakyStore store = new FlakyStore();
        try (InProcessUsageStream stream = new InProcessUsageStream(new UsageAggregator(store), NO_POLLING)) {
            for (int i = 0; i < 250; i++) {
                stream.publish(event(i));
            }

            assertThat(stream.deliver()).isEqualTo(100);
            assertThat(stream.pendingCount()).isEqualTo(150);
        }
    }

    private static UsageEvent event(int i) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req-" + i,
                1_764_000_000_000L,
                "t",
                "k",
                "a",
                "p",
                "m",
                3,
                2,
                0,
                0,
                0,
                1,
                1,
                UsageEvent.OK,
                200,
                true,
                false,
                false);
    }

    /** The in-memory usage table, made to fail every write on demand (DynamoDB timing out). */
    private static final class FlakyStore implements UsageStore {
        private final InMemoryUsageStore rows = new InMemoryUsageStore();
        private volatile boolean failing;

        @Override
        public void apply(UsageFolder.Slice slice) {
            if (failing) {
                throw new IllegalStateException("usage table unavailable");
            }
            rows.apply(slice);
        }

        @Override
        public List<UsageRow> query(String tenantId, String periodPrefix) {
            return rows.query(tenantId, periodPrefix);
        }
    }
}
