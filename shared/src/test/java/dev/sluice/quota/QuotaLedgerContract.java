package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every {@link QuotaLedger} must do, written once and run against each adapter: the in-memory fake in a unit
 * test, DynamoDB Local in an integration test.
 */
public abstract class QuotaLedgerContract {
    /** DynamoDB Local deletes items whose TTL has passed, so windows sit at the real present. */
    protected static final Instant MINUTE_START = Instant.now().truncatedTo(ChronoUnit.MINUTES);

    protected static final Instant NOW = MINUTE_START.plusSeconds(5);
    protected static final Duration MAX_REQUEST = Duration.ofMinutes(15);
    private static final AtomicInteger SCOPES = new AtomicInteger();

    /** A ledger whose slots expire after {@link #MAX_REQUEST}. */
    protected abstract QuotaLedger ledger();

    private final String scope = "key#contract-" + SCOPES.incrementAndGet() + "-" + System.nanoTime();

    @Test
    void reserve_withinEveryLimit_isTaken_andReportsTheUsageAfter() {
        Limits limits = new Limits(10, 1_000, 5, 5_000, 50_000);

        QuotaLedger.Taking taking = ledger().reserve(scope, limits, new Charge(1, 300, 700), true, NOW);

        assertThat(taking).isInstanceOfSatisfying(QuotaLedger.Taking.Taken.class, taken -> {
            assertThat(taken.after()).isEqualTo(new ScopeUsage(1, 300, 700, 700, 1));
            assertThat(taken.reservation().holdsSlot()).isTrue();
        });
    }

    @Test
    void reserve_pastAnyOneLimit_isRefused_withWhatIsUsed() {
        Limits limits = new Limits(0, 1_000, 0, 0, 0);
        ledger().reserve(scope, limits, new Charge(1, 800, 0), false, NOW);

        QuotaLedger.Taking taking = ledger().reserve(scope, limits, new Charge(1, 300, 0), false, NOW);

        assertThat(taking)
                .isInstanceOfSatisfying(
                        QuotaLedger.Taking.Refused.class,
                        refused -> assertThat(refused.current().tokens()).isEqualTo(800));
    }

    @Test
    void reserve_200ConcurrentAgainstALimitOf50_takesExactly50() throws Exception {
        Limits limits = Limits.requestsPerMinute(50);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<QuotaLedger.Taking>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return ledger().reserve(scope, limits, new Charge(1, 0, 0), false, NOW);
            }));
        }
        start.countDown();
        int taken = 0;
        for (Future<QuotaLedger.Taking> result : results) {
            if (result.get(60, TimeUnit.SECONDS) instanceof QuotaLedger.Taking.Taken) {
                taken++;
            }
        }
        pool.shutdown();

        assertThat(taken).isEqualTo(50);
    }

    @Test
    void concurrencySlots_areHeldUntilSettled() {
        Limits limits = new Limits(0, 0, 2, 0, 0);
        Reservation first = taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW));
        taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW));

        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW))
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
        ledger().settle(first, new Charge(1, 0, 0), NOW);
        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW))
                .isInstanceOf(QuotaLedger.Taking.Taken.class);
    }

    @Test
    void aBlockOfSlots_isTakenWhole_orRefused_andGivenBackWhole() {
        Limits limits = new Limits(0, 0, 5, 0, 0);
        Reservation block = taken(ledger().reserve(scope, limits, Charge.ZERO, 3, NOW));

        assertThat(block.slots()).isEqualTo(3);
        assertThat(ledger().reserve(scope, limits, Charge.ZERO, 3, NOW))
                .as("3 + 3 > 5")
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
        Reservation two = taken(ledger().reserve(scope, limits, Charge.ZERO, 2, NOW));
        ledger().settle(block, Charge.ZERO, NOW);
        ledger().settle(two, Charge.ZERO, NOW);
        assertThat(ledger().reserve(scope, limits, Charge.ZERO, 5, NOW))
                .as("all five back")
                .isInstanceOfSatisfying(
                        QuotaLedger.Taking.Taken.class,
                        taken -> assertThat(taken.after().concurrent()).isEqualTo(5));
    }

    @Test
    void aSlotNeverSettled_comesBackAfterTheMaximumRequestDurationAndOneBucket() {
        Limits limits = new Limits(0, 0, 1, 0, 0);
        taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW));

        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW.plus(MAX_REQUEST)))
                .as("it may still be running")
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
        Instant bucketEnd = Instant.ofEpochSecond((SlotBuckets.bucketAt(NOW) + 1) * SlotBuckets.SECONDS);
        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, bucketEnd.plus(MAX_REQUEST)))
                .isInstanceOf(QuotaLedger.Taking.Taken.class);
    }

    @Test
    void aSettledSlot_isNotTakenBackTwice_andALateSettlementOfAForgottenSlotChangesNothing() {
        Limits limits = new Limits(0, 0, 2, 0, 0);
        Reservation crashed = taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, NOW));
        Instant later = NOW.plus(MAX_REQUEST).plus(Duration.ofSeconds(2 * SlotBuckets.SECONDS));
        taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, later));

        ledger().settle(crashed, new Charge(1, 0, 0), later); // its bucket was forgotten: no slot to give back

        taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, later));
        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 0), true, later))
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
    }

    @Test
    void requestWindow_resetsNextMinute_whileTheDaysSpendCarriesOver() {
        Limits limits = new Limits(2, 0, 0, 1_000, 0);
        taken(ledger().reserve(scope, limits, new Charge(1, 0, 400), false, NOW));
        taken(ledger().reserve(scope, limits, new Charge(1, 0, 400), false, NOW));
        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 100), false, NOW))
                .isInstanceOf(QuotaLedger.Taking.Refused.class);

        Instant nextMinute = NOW.plus(Duration.ofMinutes(1));
        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 300), false, nextMinute))
                .isInstanceOf(QuotaLedger.Taking.Refused.class); // 800 + 300 > 1000 spent today
        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 200), false, nextMinute))
                .isInstanceOfSatisfying(
                        QuotaLedger.Taking.Taken.class,
                        taken -> assertThat(taken.after()).isEqualTo(new ScopeUsage(1, 0, 1_000, 0, 0)));
    }

    @Test
    void settle_replacesTheReservedChargeByTheRealOne() {
        Limits limits = new Limits(0, 1_500, 0, 10_000, 0);
        Reservation reservation = taken(ledger().reserve(scope, limits, new Charge(1, 1_000, 8_000), false, NOW));

        ledger().settle(reservation, new Charge(1, 100, 500), NOW);

        assertThat(ledger().reserve(scope, limits, new Charge(1, 1_400, 9_500), false, NOW))
                .isInstanceOfSatisfying(
                        QuotaLedger.Taking.Taken.class,
                        taken -> assertThat(taken.after()).isEqualTo(new ScopeUsage(0, 1_500, 10_000, 0, 0)));
    }

    @Test
    void settleToZero_undoesTheReservation_requestIncluded() {
        Limits limits = Limits.requestsPerMinute(1);
        Reservation reservation = taken(ledger().reserve(scope, limits, new Charge(1, 0, 0), false, NOW));

        ledger().settle(reservation, Charge.ZERO, NOW);

        assertThat(ledger().reserve(scope, limits, new Charge(1, 0, 0), false, NOW))
                .isInstanceOf(QuotaLedger.Taking.Taken.class);
    }

    @Test
    void settle_afterItsMinuteRolled_leavesTheNewMinuteAlone() {
        Limits limits = new Limits(0, 1_000, 0, 0, 0);
        Reservation old = taken(ledger().reserve(scope, limits, new Charge(1, 900, 0), false, NOW));
        Instant nextMinute = NOW.plus(Duration.ofMinutes(1));
        taken(ledger().reserve(scope, limits, new Charge(1, 900, 0), false, nextMinute));

        ledger().settle(old, new Charge(1, 0, 0), nextMinute);

        assertThat(ledger().reserve(scope, limits, new Charge(1, 200, 0), false, nextMinute))
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
    }

    @Test
    void aLimitAddedMidWindow_startsCountingAtOnce() {
        taken(ledger().reserve(scope, Limits.requestsPerMinute(10), new Charge(1, 500, 0), false, NOW));
        Limits withTokens = new Limits(10, 600, 0, 0, 0);

        taken(ledger().reserve(scope, withTokens, new Charge(1, 500, 0), false, NOW));

        assertThat(ledger().reserve(scope, withTokens, new Charge(1, 500, 0), false, NOW))
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
    }

    @Test
    void aChargeLargerThanTheLimitItself_isRefusedWithoutCounting() {
        Limits limits = new Limits(0, 100, 0, 0, 0);

        assertThat(ledger().reserve(scope, limits, new Charge(1, 101, 0), false, NOW))
                .isInstanceOf(QuotaLedger.Taking.Refused.class);
        assertThat(ledger().reserve(scope, limits, new Charge(1, 100, 0), false, NOW))
                .isInstanceOf(QuotaLedger.Taking.Taken.class);
    }

    protected static Reservation taken(QuotaLedger.Taking taking) {
        assertThat(taking).isInstanceOf(QuotaLedger.Taking.Taken.class);
        return ((QuotaLedger.Taking.Taken) taking).reservation();
    }
}
