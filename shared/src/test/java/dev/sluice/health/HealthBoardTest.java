package dev.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.health.DeploymentHealth.Snapshot;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HealthBoardTest {
    private static final Deployment GPT = new Deployment("openai", "gpt-4o", null, "openai", Pricing.FREE, null);
    private static final Deployment CLAUDE =
            new Deployment("anthropic", "claude", "https://api.anthropic.com", "anthropic", Pricing.FREE, null);
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final CountingStore store = new CountingStore(new InMemoryHealthStore());
    private final HealthBoard board = board(store);

    private HealthBoard board(HealthStore shared) {
        return new HealthBoard(shared, BreakerPolicy.DEFAULT, now::get, Runnable::run);
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toMillis());
    }

    private void fail(HealthBoard on, Deployment deployment, int times) {
        for (int i = 0; i < times; i++) {
            on.onFailure(deployment, "upstream_unavailable");
        }
    }

    private void succeed(HealthBoard on, Deployment deployment, int times) {
        for (int i = 0; i < times; i++) {
            on.onSuccess(deployment, 100 * NANOS_PER_MILLI);
        }
    }

    @Test
    void onFailure_fiveInARow_opensTheBreakerForTheCoolDown() {
        fail(board, GPT, 4);
        assertThat(board.available(GPT)).isTrue();

        fail(board, GPT, 1);

        assertThat(board.available(GPT)).isFalse();
        assertThat(board.tryAcquire(GPT)).isFalse();
        Snapshot snapshot = board.snapshot(GPT);
        assertThat(snapshot.state()).isEqualTo(BreakerState.OPEN);
        assertThat(snapshot.retryAtMillis()).isEqualTo(now.get() + 15_000);
        assertThat(board.available(CLAUDE)).as("breakers are per deployment").isTrue();
    }

    @Test
    void census_countsKnownDeploymentsAndOpenBreakers() {
        assertThat(board.census()).isEqualTo(new DeploymentHealth.Census(0, 0));
        assertThat(board.census().healthyPercent()).isEqualTo(100.0);

        succeed(board, CLAUDE, 1);
        fail(board, GPT, 5);

        assertThat(board.census()).isEqualTo(new DeploymentHealth.Census(2, 1));
        assertThat(board.census().healthyPercent()).isEqualTo(50.0);
        advance(Duration.ofSeconds(16)); // half-open: still kept off all but its probes
        assertThat(board.census().open()).isEqualTo(1);
        board.tryAcquire(GPT);
        board.tryAcquire(GPT);
        succeed(board, GPT, 2);
        assertThat(board.census()).isEqualTo(new DeploymentHealth.Census(2, 0));
    }

    @Test
    void onFailure_errorRateOverThreshold_opensOnlyOnceMinSamplesAreSeen() {
        for (int i = 0; i < 3; i++) { // F F S: two thirds failing, never five in a row
            fail(board, GPT, 2);
            succeed(board, GPT, 1);
        }
        assertThat(board.available(GPT)).as("9 samples, below minSamples").isTrue();

        fail(board, GPT, 1);

        assertThat(board.snapshot(GPT).state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void onFailure_scatteredFailuresBelowThreshold_staysClosed() {
        for (int i = 0; i < 100; i++) {
            fail(board, GPT, 1);
            succeed(board, GPT, 2);
            advance(Duration.ofMillis(500));
        }

        assertThat(board.snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(store.publishes.get()).isZero();
    }

    @Test
    void onFailure_errorsOlderThanTheWindow_doNotCount() {
        fail(board, GPT, 4);
        succeed(board, GPT, 1);
        fail(board, GPT, 4);
        advance(Duration.ofSeconds(31));
        succeed(board, GPT, 1);
        fail(board, GPT, 4);
        succeed(board, GPT, 4);

        assertThat(board.snapshot(GPT).state()).as("4 of 9 in the window").isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void tryAcquire_afterCoolDown_admitsBoundedProbes() {
        fail(board, GPT, 5);
        advance(Duration.ofSeconds(15));

        assertThat(board.snapshot(GPT).state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(board.available(GPT)).isTrue();
        assertThat(board.available(GPT)).as("available claims nothing").isTrue();
        assertThat(board.tryAcquire(GPT)).isTrue();
        assertThat(board.tryAcquire(GPT)).isTrue();
        assertThat(board.tryAcquire(GPT)).as("a third probe at once").isFalse();
        assertThat(board.available(GPT)).isFalse();
    }

    @Test
    void onSuccess_probesSucceed_closesTheBreaker() {
        fail(board, GPT, 5);
        advance(Duration.ofSeconds(15));
        board.tryAcquire(GPT);
        board.tryAcquire(GPT);

        succeed(board, GPT, 1);
        assertThat(board.snapshot(GPT).state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(board.tryAcquire(GPT))
                .as("the finished probe freed its slot")
                .isTrue();
        succeed(board, GPT, 1);

        assertThat(board.snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(board.snapshot(GPT).retryAtMillis()).isZero();
        fail(board, GPT, 1);
        assertThat(board.available(GPT)).as("a clean slate after closing").isTrue();
    }

    @Test
    void onFailure_probeFails_reopensWithFreshCoolDown() {
        fail(board, GPT, 5);
        advance(Duration.ofSeconds(20));
        board.tryAcquire(GPT);

        fail(board, GPT, 1);

        Snapshot snapshot = board.snapshot(GPT);
        assertThat(snapshot.state()).isEqualTo(BreakerState.OPEN);
        assertThat(snapshot.retryAtMillis()).isEqualTo(now.get() + 15_000);
        advance(Duration.ofSeconds(14));
        assertThat(board.tryAcquire(GPT)).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(board.tryAcquire(GPT)).isTrue();
    }

    @Test
    void tryAcquire_probesNeverReported_freesTheirSlotsAfterACoolDown() {
        fail(board, GPT, 5);
        advance(Duration.ofSeconds(15));
        board.tryAcquire(GPT);
        board.tryAcquire(GPT);
        advance(Duration.ofSeconds(14));
        assertThat(board.tryAcquire(GPT)).isFalse();

        advance(Duration.ofSeconds(1));

        assertThat(board.tryAcquire(GPT)).isTrue();
    }

    @Test
    void onFailure_duringCoolDown_attemptsStartedBeforeDoNotExtendIt() {
        fail(board, GPT, 5);
        long retryAt = board.snapshot(GPT).retryAtMillis();
        advance(Duration.ofSeconds(3));

        fail(board, GPT, 3);
        succeed(board, GPT, 3);

        assertThat(board.snapshot(GPT).retryAtMillis()).isEqualTo(retryAt);
        assertThat(board.snapshot(GPT).state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void snapshot_movingAverages_followAlphaPointTwoForTtftAndPointOneForErrors() {
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isEqualTo(-1);

        board.onSuccess(GPT, 900 * NANOS_PER_MILLI); // the first answer pays the connection's set-up: left out
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isEqualTo(-1);
        board.onSuccess(GPT, 100 * NANOS_PER_MILLI);
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isEqualTo(100);
        board.onSuccess(GPT, 200 * NANOS_PER_MILLI); // a plain mean while there are fewer than 1/alpha samples
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isCloseTo(150, within(1e-9));
        for (int i = 0; i < 3; i++) {
            board.onSuccess(GPT, 150 * NANOS_PER_MILLI);
        }
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isCloseTo(150, within(1e-9));
        board.onSuccess(GPT, 250 * NANOS_PER_MILLI); // then alpha 0.2
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isCloseTo(170, within(1e-9));

        board.onFailure(GPT, "timeout");
        assertThat(board.snapshot(GPT).errorRate()).isCloseTo(0.1, within(1e-9));
        board.onFailure(GPT, "timeout");
        assertThat(board.snapshot(GPT).errorRate()).isCloseTo(0.19, within(1e-9));
        board.onSuccess(GPT, 120 * NANOS_PER_MILLI);
        assertThat(board.snapshot(GPT).errorRate()).isCloseTo(0.171, within(1e-9));
        assertThat(board.snapshot(GPT).samples()).isEqualTo(10);
        assertThat(board.snapshot(GPT).ewmaTtftMillis()).isCloseTo(160, within(1e-9));
    }

    @Test
    void sharedStore_anotherBoardsOpenBreaker_isAdoptedWithinTheReadTtlAndSoIsTheClose() {
        InMemoryHealthStore table = new InMemoryHealthStore();
        HealthBoard a = board(table);
        HealthBoard b = board(table);
        assertThat(b.available(GPT)).isTrue(); // b has read (nothing) and caches that for 2 s

        fail(a, GPT, 5);
        long retryAt = a.snapshot(GPT).retryAtMillis();
        assertThat(b.available(GPT)).as("b's cached read is still fresh").isTrue();
        advance(Duration.ofSeconds(2));

        assertThat(b.available(GPT)).isFalse();
        assertThat(b.tryAcquire(GPT)).isFalse();
        assertThat(b.snapshot(GPT).retryAtMillis()).isEqualTo(retryAt);
        assertThat(b.snapshot(GPT).samples()).as("b never called it").isZero();

        advance(Duration.ofSeconds(13));
        assertThat(b.snapshot(GPT).state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(a.tryAcquire(GPT)).isTrue();
        assertThat(a.tryAcquire(GPT)).isTrue();
        succeed(a, GPT, 2);
        assertThat(a.snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(b.snapshot(GPT).state()).as("b's read is cached").isEqualTo(BreakerState.HALF_OPEN);

        advance(Duration.ofSeconds(2));
        assertThat(b.snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(b.tryAcquire(GPT)).isTrue();
    }

    @Test
    void sharedStore_newBoard_doesNotTryADeploymentOthersKnowIsDown() {
        InMemoryHealthStore table = new InMemoryHealthStore();
        fail(board(table), GPT, 5);

        HealthBoard fresh = board(table);

        assertThat(fresh.tryAcquire(GPT)).isFalse();
    }

    @Test
    void sharedStore_firstReadOnTheRequest_laterRefreshesInTheBackground() {
        InMemoryHealthStore table = new InMemoryHealthStore();
        List<Runnable> background = new ArrayList<>();
        HealthBoard b = new HealthBoard(table, BreakerPolicy.DEFAULT, now::get, background::add);
        assertThat(b.available(GPT)).isTrue(); // the first read: on this request, nothing known yet
        assertThat(background).isEmpty();

        fail(board(table), GPT, 5); // another instance opens it
        advance(Duration.ofSeconds(2));

        assertThat(b.available(GPT)).as("this request goes on with what b knew").isTrue();
        assertThat(background).as("the refresh runs in the background").hasSize(1);
        assertThat(b.available(GPT)).as("one refresh at a time").isTrue();
        assertThat(background).hasSize(1);
        background.getFirst().run();
        assertThat(b.available(GPT)).isFalse();
    }

    @Test
    void sharedStore_anOpenRecordWhoseCoolDownEnded_isNotAdopted() {
        InMemoryHealthStore table = new InMemoryHealthStore();
        fail(board(table), GPT, 5);
        advance(Duration.ofSeconds(15));

        assertThat(board(table).snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void publish_onlyOnTransitions() {
        succeed(board, GPT, 1_000);
        assertThat(store.publishes.get()).isZero();

        fail(board, GPT, 5);
        fail(board, GPT, 20);
        assertThat(store.publishes.get()).as("closed to open").isEqualTo(1);
        assertThat(store.last.state()).isEqualTo(BreakerState.OPEN);

        advance(Duration.ofSeconds(15));
        board.tryAcquire(GPT);
        assertThat(store.publishes.get()).as("half-open is not written").isEqualTo(1);
        fail(board, GPT, 1);
        assertThat(store.publishes.get()).as("half-open to open").isEqualTo(2);

        advance(Duration.ofSeconds(15));
        succeed(board, GPT, 2);
        assertThat(store.publishes.get()).as("half-open to closed").isEqualTo(3);
        assertThat(store.last.state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void publishStats_atMostOncePerIntervalWhileThereIsTraffic_andNeverTheState() {
        succeed(board, GPT, 500);
        assertThat(store.statsPublishes.get()).isEqualTo(1);

        advance(Duration.ofSeconds(59));
        succeed(board, GPT, 500);
        assertThat(store.statsPublishes.get()).isEqualTo(1);

        advance(Duration.ofMinutes(10));
        assertThat(store.statsPublishes.get()).as("no traffic, no heartbeat").isEqualTo(1);
        board.onFailure(GPT, "timeout");
        assertThat(store.statsPublishes.get()).isEqualTo(2);
        assertThat(store.read(GPT.healthKey())).hasValueSatisfying(health -> {
            assertThat(health.state()).isEqualTo(BreakerState.CLOSED);
            assertThat(health.lastFailure()).isEqualTo("timeout");
            assertThat(health.ewmaTtftMillis()).isEqualTo(100);
        });
    }

    @Test
    void publishStats_oneInFlight_skipsTheNext() {
        List<Runnable> parked = new ArrayList<>();
        HealthBoard slow = new HealthBoard(store, BreakerPolicy.DEFAULT, now::get, parked::add);

        succeed(slow, GPT, 1);
        advance(Duration.ofMinutes(2));
        succeed(slow, GPT, 1);

        assertThat(parked).hasSize(1);
        parked.getFirst().run();
        advance(Duration.ofMinutes(2));
        succeed(slow, GPT, 1);
        assertThat(parked).hasSize(2);
    }

    @Test
    void throwingStore_neverFailsARequest_andTheBoardWorksLocally() {
        HealthBoard onBrokenStore = board(new BrokenStore());

        assertThat(onBrokenStore.available(GPT)).isTrue();
        succeed(onBrokenStore, GPT, 3);
        fail(onBrokenStore, GPT, 5);
        assertThat(onBrokenStore.tryAcquire(GPT)).isFalse();
        advance(Duration.ofSeconds(15));
        assertThat(onBrokenStore.tryAcquire(GPT)).isTrue();
        assertThat(onBrokenStore.tryAcquire(GPT)).isTrue();
        succeed(onBrokenStore, GPT, 2);
        assertThat(onBrokenStore.snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void sharedReads_atMostOncePerTtl_evenWhenManyThreadsAsk() throws Exception {
        CountDownLatch inRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HealthStore slowReads = new CountingStore(new InMemoryHealthStore()) {
            @Override
            public Optional<SharedHealth> read(String key) {
                inRead.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.read(key);
            }
        };
        CountingStore counted = (CountingStore) slowReads;
        HealthBoard shared = board(slowReads);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Boolean> reader = threads.submit(() -> shared.available(GPT));
            inRead.await();
            List<Future<Boolean>> others = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                others.add(threads.submit(() -> shared.tryAcquire(GPT)));
            }
            for (Future<Boolean> other : others) {
                assertThat(other.get())
                        .as("others go on while the read is in flight")
                        .isTrue();
            }
            release.countDown();
            assertThat(reader.get()).isTrue();
        }
        assertThat(counted.reads.get()).isEqualTo(1);
        advance(Duration.ofSeconds(2));
        shared.available(GPT);
        shared.available(GPT);
        assertThat(counted.reads.get()).isEqualTo(2);
    }

    @Test
    void concurrentRequests_countEveryAttempt_withoutErrors() throws Exception {
        // Interleaved threads can line up five failures in a row; this test is about counting, so only a rate trips.
        BreakerPolicy countingOnly = new BreakerPolicy(
                Integer.MAX_VALUE,
                0.5,
                10,
                Duration.ofSeconds(30),
                Duration.ofSeconds(15),
                2,
                Duration.ofSeconds(2),
                Duration.ofMinutes(1));
        HealthBoard concurrent = new HealthBoard(store, countingOnly, System::currentTimeMillis);
        int threads = 32;
        int perThread = 2_000;
        AtomicInteger acquired = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        Deployment deployment = (i % 2 == 0) ? GPT : CLAUDE;
                        if (concurrent.tryAcquire(deployment)) {
                            acquired.incrementAndGet();
                        }
                        if ((thread + i) % 10 == 0) {
                            concurrent.onFailure(deployment, "timeout");
                        } else {
                            concurrent.onSuccess(deployment, 50 * NANOS_PER_MILLI);
                        }
                        concurrent.snapshot(deployment);
                    }
                }));
            }
            for (Future<?> future : work) {
                future.get();
            }
        }
        long total = (long) threads * perThread;
        assertThat(concurrent.snapshot(GPT).samples()
                        + concurrent.snapshot(CLAUDE).samples())
                .isEqualTo(total);
        assertThat(concurrent.snapshot(GPT).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(acquired.get()).isEqualTo(total);
        assertThat(concurrent.snapshot(GPT).ewmaTtftMillis()).isCloseTo(50, within(1e-9));
    }

    @Test
    void policy_rejectsNonsense() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new BreakerPolicy(
                        0,
                        0.5,
                        10,
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(15),
                        2,
                        Duration.ZERO,
                        Duration.ofMinutes(1)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new BreakerPolicy(
                        5,
                        1.5,
                        10,
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(15),
                        2,
                        Duration.ZERO,
                        Duration.ofMinutes(1)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new BreakerPolicy(
                        5, 0.5, 10, Duration.ZERO, Duration.ofSeconds(15), 2, Duration.ZERO, Duration.ofMinutes(1)));
    }

    /** Counts what reaches the store underneath. */
    static class CountingStore implements HealthStore {
        final HealthStore delegate;
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger publishes = new AtomicInteger();
        final AtomicInteger statsPublishes = new AtomicInteger();
        volatile SharedHealth last;

        CountingStore(HealthStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<SharedHealth> read(String key) {
            reads.incrementAndGet();
            return delegate.read(key);
        }

        @Override
        public void publish(SharedHealth health) {
            publishes.incrementAndGet();
            last = health;
            delegate.publish(health);
        }

        @Override
        public void publishStats(SharedHealth health) {
            statsPublishes.incrementAndGet();
            delegate.publishStats(health);
        }

        @Override
        public List<SharedHealth> readAll() {
            return delegate.readAll();
        }
    }

    private static final class BrokenStore implements HealthStore {
        @Override
        public Optional<SharedHealth> read(String key) {
            throw new IllegalStateException("store down");
        }

        @Override
        public void publish(SharedHealth health) {
            throw new IllegalStateException("store down");
        }

        @Override
        public void publishStats(SharedHealth health) {
            throw new IllegalStateException("store down");
        }

        @Override
        public List<SharedHealth> readAll() {
            throw new IllegalStateException("store down");
        }
    }
}
