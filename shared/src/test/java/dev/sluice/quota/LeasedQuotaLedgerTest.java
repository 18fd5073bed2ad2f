package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Leases over the in-memory ledger, which stands for the shared counters: two {@link LeasedQuotaLedger}s over one
 * shared ledger are two gateway instances. The shared ledger counts its writes, so the tests see what leases save.
 */
@Timeout(60)
class LeasedQuotaLedgerTest {
    private static final Instant NOW =
            Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(5);
    private static final Charge ONE = new Charge(1, 0, 0);

    private final CountingLedger shared = new CountingLedger(new InMemoryQuotaLedger());

    private LeasedQuotaLedger instance() {
        return new LeasedQuotaLedger(shared, Clock.fixed(NOW, ZoneOffset.UTC), false);
    }

    @Test
    void aQuietScope_isReservedExactly_onePerRequest() {
        LeasedQuotaLedger leased = instance();

        Reservation only = taken(leased.reserve("key#quiet", Limits.requestsPerMinute(100), ONE, 0, NOW));

        assertThat(only.lease()).as("no lease for a first request").isZero();
        assertThat(shared.usage("key#quiet", Limits.requestsPerMinute(100)).requests())
                .isEqualTo(1);
    }

    @Test
    void aBusyScope_isAdmittedFromLeases_withAFewWritesForManyRequests() {
        LeasedQuotaLedger leased = instance();
        Limits limits = Limits.requestsPerMinute(1_000_000);

        List<Reservation> reservations = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            reservations.add(taken(leased.reserve("key#busy", limits, ONE, 0, NOW)));
        }
        reservations.forEach(r -> leased.settle(r, ONE, NOW));
        leased.close();

        assertThat(reservations.stream().filter(r -> r.lease() != 0).count())
                .as("admitted from a lease")
                .isGreaterThan(950);
        assertThat(shared.reserves.get()).as("shared writes for 1,000 requests").isLessThan(40);
        assertThat(shared.usage("key#busy", limits).requests())
                .as("settled: exactly the requests admitted")
                .isEqualTo(1_000);
    }

    @Test
    void twoInstances_concurrently_neverAdmitPastTheLimit_andStrandNothingOnceClosed() throws Exception {
        List<LeasedQuotaLedger> instances = List.of(instance(), instance());
        Limits limits = Limits.requestsPerMinute(1_000);
        AtomicInteger taken = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            LeasedQuotaLedger leased = instances.get(t % 2);
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 150; i++) {
                    if (leased.reserve("tenant#hot", limits, ONE, 0, NOW) instanceof QuotaLedger.Taking.Taken t2) {
                        taken.incrementAndGet();
                        leased.settle(t2.reservation(), ONE, NOW);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(taken.get()).as("2,400 tries against 1,000").isLessThanOrEqualTo(1_000);
        instances.forEach(LeasedQuotaLedger::close);
        assertThat(instances).allSatisfy(i -> assertThat(i.openLeases()).isZero());
        assertThat(shared.usage("tenant#hot", limits).requests())
                .as("what the shared counters hold once the leases settled: the requests admitted")
                .isEqualTo(taken.get());
        int more = 0;
        while (shared.reserve("tenant#hot", limits, ONE, 0, NOW) instanceof QuotaLedger.Taking.Taken) {
            more++;
        }
        assertThat(taken.get() + more)
                .as("nothing stranded: the rest of the limit is there")
                .isEqualTo(1_000);
    }

    @Test
    void nearTheLimit_blocksShrink_andTheLastRequestsAreReservedExactly() {
        LeasedQuotaLedger leased = instance();
        Limits limits = Limits.requestsPerMinute(40);

        int admitted = 0;
        for (int i = 0; i < 60; i++) {
            if (leased.reserve("key#small", limits, ONE, 0, NOW) instanceof QuotaLedger.Taking.Taken t) {
                admitted++;
                leased.settle(t.reservation(), ONE, NOW);
            }
        }

        assertThat(admitted)
                .as("requests settled at once: every unit of the limit is used")
                .isEqualTo(40);
    }

    @Test
    void tokensAndMoney_settleToWhatRequestsReallyUsed() {
        LeasedQuotaLedger leased = instance();
        Limits limits = new Limits(0, 100_000_000, 0, 1_000_000_000, 10_000_000_000L);
        Charge worstCase = new Charge(1, 1_000, 2_000);
        Charge actual = new Charge(1, 300, 500);

        for (int i = 0; i < 200; i++) {
            Reservation r = taken(leased.reserve("tenant#spend", limits, worstCase, 0, NOW));
            leased.settle(r, actual, NOW);
        }
        leased.close();

        ScopeUsage usage = shared.usage("tenant#spend", limits);
        assertThat(usage.tokens()).isEqualTo(200 * 300);
        assertThat(usage.microsToday()).isEqualTo(200 * 500);
        assertThat(usage.microsThisMonth()).isEqualTo(200 * 500);
    }

    @Test
    void aBudgetBlock_neverTakesMoreThanAHundredthOfTheBudget() {
        LeasedQuotaLedger leased = instance();
        Limits limits = new Limits(0, 0, 0, 100_000, 0); // 10 cents a day; a request may cost 100 micros
        Charge charge = new Charge(1, 0, 100);

        for (int i = 0; i < 50; i++) {
            taken(leased.reserve("tenant#thrifty", limits, charge, 0, NOW));
        }

        assertThat(shared.largestBlock.get().micros()).isLessThanOrEqualTo(100_000 / 100);
    }

    @Test
    void concurrencySlots_comeFromLeasedBlocks_neverPastTheLimit_andAllReturn() {
        List<LeasedQuotaLedger> instances = List.of(instance(), instance());
        Limits limits = new Limits(0, 0, 100, 0, 0);
        List<Reservation> held = new ArrayList<>();
        List<LeasedQuotaLedger> holders = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 300; i++) {
            LeasedQuotaLedger leased = instances.get(i % 2);
            switch (leased.reserve("key#streams", limits, ONE, 1, NOW)) {
                case QuotaLedger.Taking.Taken t -> {
                    held.add(t.reservation());
                    holders.add(leased);
                }
                case QuotaLedger.Taking.Refused r -> refused++;
            }
        }

        assertThat(held).as("held at once").hasSizeLessThanOrEqualTo(100).hasSizeGreaterThan(50);
        assertThat(held.stream().filter(r -> r.lease() != 0))
                .as("slots from leases")
                .isNotEmpty();
        assertThat(shared.usage("key#streams", limits).concurrent())
                .as("the shared counters never hold more than the limit")
                .isLessThanOrEqualTo(100);
        assertThat(refused).as("the rest refused, not failed").isGreaterThanOrEqualTo(200);
        for (int i = 0; i < held.size(); i++) {
            holders.get(i).settle(held.get(i), ONE, NOW);
        }
        instances.forEach(LeasedQuotaLedger::close);
        assertThat(shared.usage("key#streams", limits).concurrent())
                .as("every slot back")
                .isZero();
    }

    @Test
    void aLease_admitsOnlyInItsMinute() {
        LeasedQuotaLedger leased = instance();
        Limits limits = Limits.requestsPerMinute(1_000_000);
        for (int i = 0; i < 20; i++) {
            leased.settle(taken(leased.reserve("key#roll", limits, ONE, 0, NOW)), ONE, NOW);
        }
        Instant nextMinute = NOW.plusSeconds(60);

        Reservation later = taken(leased.reserve("key#roll", limits, ONE, 0, nextMinute));

        assertThat(later.windows()).as("counted in the new minute").isEqualTo(Windows.at(nextMinute));
        assertThat(leased.openLeases()).as("the old minute's lease settled").isLessThanOrEqualTo(1);
    }

    @Test
    void anIdleLease_isRetired_andItsUnusedPartReturned() {
        LeasedQuotaLedger leased = instance();
        Limits limits = Limits.requestsPerMinute(1_000_000);
        for (int i = 0; i < 100; i++) {
            leased.settle(taken(leased.reserve("key#idle", limits, ONE, 0, NOW)), ONE, NOW);
        }
        assertThat(shared.usage("key#idle", limits).requests())
                .as("blocks reserved ahead")
                .isGreaterThan(100);

        leased.retireIdle(NOW.plus(LeasedQuotaLedger.IDLE).plusSeconds(1));

        assertThat(leased.openLeases()).isZero();
        assertThat(shared.usage("key#idle", limits).requests()).isEqualTo(100);
    }

    @Test
    void admissionFromALease_needsNoStore_andSettlesInMemory() {
        LeasedQuotaLedger leased = instance();
        Limits limits = new Limits(1_000_000, 0, 1_000, 0, 0);
        assertThat(leased.reserveFromMemory("key#mem", limits, ONE, 1, NOW))
                .as("nothing held yet")
                .isNull();
        Reservation fromLease;
        do { // the first requests are reserved exactly; then a block is taken (on this thread when none is held)
            fromLease = taken(leased.reserve("key#mem", limits, ONE, 1, NOW));
            leased.settle(fromLease, ONE, NOW);
        } while (fromLease.lease() == 0);
        long writesByThisThread = shared.callsBy(Thread.currentThread());

        QuotaLedger.Taking.Taken fromMemory = leased.reserveFromMemory("key#mem", limits, ONE, 1, NOW);

        assertThat(fromMemory).isNotNull();
        assertThat(fromMemory.reservation().lease()).isNotZero();
        assertThat(fromMemory.reservation().slots()).isEqualTo(1);
        assertThat(leased.settlesInMemory(fromMemory.reservation())).isTrue();
        assertThat(shared.callsBy(Thread.currentThread()))
                .as("no store call on the request's thread")
                .isEqualTo(writesByThisThread);
        assertThat(leased.reserveFromMemory("key#mem", limits, ONE, 1, NOW.plusSeconds(60)))
                .as("a lease never admits past its minute")
                .isNull();
    }

    @Test
    void anUndoneReservation_givesItsChargeBackToTheLease() {
        LeasedQuotaLedger leased = instance();
        Limits limits = Limits.requestsPerMinute(1_000_000);
        for (int i = 0; i < 50; i++) {
            Reservation r = taken(leased.reserve("key#undo", limits, ONE, 0, NOW));
            leased.settle(r, i % 2 == 0 ? Charge.ZERO : ONE, NOW);
        }
        leased.close();

        assertThat(shared.usage("key#undo", limits).requests()).isEqualTo(25);
    }

    private static Reservation taken(QuotaLedger.Taking taking) {
        assertThat(taking).isInstanceOf(QuotaLedger.Taking.Taken.class);
        return ((QuotaLedger.Taking.Taken) taking).reservation();
    }

    /** The shared ledger, counting its reservations and remembering the largest charge one took. */
    private static final class CountingLedger implements QuotaLedger {
        final InMemoryQuotaLedger counters;
        final AtomicInteger reserves = new AtomicInteger();
        final Map<Thread, Long> callers = new ConcurrentHashMap<>();
        final AtomicReference<Charge> largestBlock = new AtomicReference<>(Charge.ZERO);

        CountingLedger(InMemoryQuotaLedger counters) {
            this.counters = counters;
        }

        @Override
        public Taking reserve(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
            reserves.incrementAndGet();
            callers.merge(Thread.currentThread(), 1L, Long::sum);
            Taking taking = counters.reserve(scopeId, limits, charge, slots, now);
            if (taking instanceof Taking.Taken) {
                largestBlock.accumulateAndGet(charge, (a, b) -> a.micros() >= b.micros() ? a : b);
            }
            return taking;
        }

        @Override
        public void settle(Reservation reservation, Charge actual, Instant now) {
            counters.settle(reservation, actual, now);
        }

        long callsBy(Thread thread) {
            return callers.getOrDefault(thread, 0L);
        }

        /** The scope's usage now: a zero reservation reads it without changing it. */
        ScopeUsage usage(String scopeId, Limits limits) {
            Instant at = NOW;
            Limits counting = new Limits(
                    limits.requestsPerMinute() > 0 ? Long.MAX_VALUE / 2 : 0,
                    limits.tokensPerMinute() > 0 ? Long.MAX_VALUE / 2 : 0,
                    limits.maxConcurrent() > 0 ? Long.MAX_VALUE / 2 : 0,
                    limits.budgetMicrosPerDay() > 0 ? Long.MAX_VALUE / 2 : 0,
                    limits.budgetMicrosPerMonth() > 0 ? Long.MAX_VALUE / 2 : 0);
            Taking taking = counters.reserve(scopeId, counting, Charge.ZERO, 0, at);
            Reservation probe = ((Taking.Taken) taking).reservation();
            counters.settle(probe, Charge.ZERO, at);
            return ((Taking.Taken) taking).after();
        }
    }
}
