package dev.sluice.health;

import dev.sluice.route.Deployment;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Circuit breakers and moving averages per deployment ({@link Deployment#healthKey()}), with the breaker's
 * transitions shared between instances through a {@link HealthStore}.
 *
 * <p><b>The breaker.</b> Closed, it opens after {@link BreakerPolicy#consecutiveFailures()} failures in a row, or
 * when more than {@link BreakerPolicy#errorRateThreshold()} of the attempts in the last {@link BreakerPolicy#window()}
 * failed and there were at least {@link BreakerPolicy#minSamples()} of them. Open, it refuses every attempt until
 * its cool-down ends; then it is half-open: {@link #tryAcquire} lets {@link BreakerPolicy#halfOpenProbes()} probes
 * through at a time, that many successes close it, and one failure opens it again for a fresh cool-down. Half-open is
 * not a stored state but a reading of the clock (open and past its retry time), so nothing has to wake up to enter it.
 *
 * <p><b>Sharing.</b> An instance publishes a record only on a transition (closed to open, half-open to open,
 * half-open to closed), and reads the shared record at most once per {@link BreakerPolicy#sharedReadTtl()} per
 * deployment: the first time on the request that needs it, later in the background while requests go on with what
 * the instance knows. A shared open
 * breaker newer than this instance's last transition and still cooling down is adopted, so a new instance never sends
 * traffic to a deployment others already found down; a newer shared close ends a local open one (another instance's
 * probes succeeded). Separately, at most once per {@link BreakerPolicy#statsInterval()} per deployment and only while
 * it sees traffic, an instance publishes its moving averages from a virtual thread, for {@code gatewayctl routes
 * health}; a heartbeat still running when the next one is due is skipped. The store never fails a request: its
 * errors are logged (once a minute per deployment) and the board goes on with this instance's own view.
 *
 * <p><b>Cost per request.</b> Per call: the key string {@link Deployment#healthKey()} builds (the only allocation on
 * the steady state, since deployments are rebuilt per request with their remaining deadline), one map lookup, and a
 * few volatile reads; a closed breaker answers {@link #available} and {@link #tryAcquire} without a lock. Reporting
 * an attempt's end takes an uncontended lock and a few dozen arithmetic operations (the window is a ring of
 * {@value #BUCKETS} counters, summed only on failures). Store traffic per instance and deployment: one read per
 * {@code sharedReadTtl} while requests arrive, one write per transition, one statistics update per {@code
 * statsInterval}.
 *
 * <p><b>Why not resilience4j.</b> {@code resilience4j-circuitbreaker} 2.3.0 is 85 KB, its {@code resilience4j-core}
 * 91 KB (124 classes between them), and core pulls {@code kotlin-stdlib} 1.9.0 (1.9 MB with its common jar) in at
 * compile scope: weight in every Lambda package and cold start for a state machine this small. And its
 * breaker state is per process, driven only by the calls that process makes; here the state machine must also be fed
 * from the shared table (adopt another instance's open breaker with its retry time, or its close), which would mean
 * forcing its transitions from outside and losing the retry time on the way.
 */
public final class HealthBoard implements DeploymentHealth {
    private static final Logger LOG = LoggerFactory.getLogger(HealthBoard.class);

    /** Ring size of the error-rate window: 10 buckets of window/10 each, 16 bytes per bucket per deployment. */
    static final int BUCKETS = 10;

    private static final double TTFT_ALPHA = 0.2;
    private static final double ERROR_ALPHA = 0.1;
    private static final long WARN_INTERVAL_MILLIS = 60_000;

    private final HealthStore shared;
    private final BreakerPolicy policy;
    private final LongSupplier epochMillis;
    private final Executor heartbeats;
    private final long bucketMillis;
    private final long coolDownMillis;
    private final long sharedReadTtlMillis;
    private final long statsIntervalMillis;
    private final ConcurrentHashMap<String, Breaker> breakers = new ConcurrentHashMap<>();

    public HealthBoard(HealthStore shared, BreakerPolicy policy, LongSupplier epochMillis) {
        this(
                shared,
                policy,
                epochMillis,
                task -> Thread.ofVirtual().name("sluice-health-stats").start(task));
    }

    /** @param heartbeats runs the statistics heartbeat off the request path; tests pass {@code Runnable::run} */
    HealthBoard(HealthStore shared, BreakerPolicy policy, LongSupplier epochMillis, Executor heartbeats) {
        this.shared = shared;
        this.policy = policy;
        this.epochMillis = epochMillis;
        this.heartbeats = heartbeats;
        this.bucketMillis = Math.max(1, policy.window().toMillis() / BUCKETS);
        this.coolDownMillis = policy.coolDown().toMillis();
        this.sharedReadTtlMillis = policy.sharedReadTtl().toMillis();
        this.statsIntervalMillis = policy.statsInterval().toMillis();
    }

    /** A board of its own, for one instance without a table: in-memory store, default policy, the system clock. */
    public static HealthBoard local() {
        return new HealthBoard(new InMemoryHealthStore(), BreakerPolicy.DEFAULT, System::currentTimeMillis);
    }

    @Override
    public boolean available(Deployment deployment) {
        Breaker breaker = breaker(deployment);
        long now = epochMillis.getAsLong();
        syncWithShared(breaker, now);
        return breaker.available(now);
    }

    @Override
    public boolean tryAcquire(Deployment deployment) {
        Breaker breaker = breaker(deployment);
        long now = epochMillis.getAsLong();
        syncWithShared(breaker, now);
        return breaker.tryAcquire(now);
    }

    @Override
    public void onSuccess(Deployment deployment, long ttftNanos) {
        Breaker breaker = breaker(deployment);
        long now = epochMillis.getAsLong();
        SharedHealth transition = breaker.recordSuccess(now, ttftNanos / 1_000_000.0);
        if (transition != null) {
            publish(breaker, transition, now);
        }
        heartbeat(breaker, now);
    }

    @Override
    public void onFailure(Deployment deployment, String errorCode) {
        Breaker breaker = breaker(deployment);
        long now = epochMillis.getAsLong();
        SharedHealth transition = breaker.recordFailure(now, errorCode);
        if (transition != null) {
            publish(breaker, transition, now);
        }
        heartbeat(breaker, now);
    }

    @Override
    public void onNoVerdict(Deployment deployment) {
        breaker(deployment).releaseProbe(epochMillis.getAsLong());
    }

    @Override
    public Snapshot snapshot(Deployment deployment) {
        Breaker breaker = breaker(deployment);
        long now = epochMillis.getAsLong();
        syncWithShared(breaker, now);
        return breaker.snapshot(now);
    }

    /** One volatile read per known deployment: cheap enough for every request's metrics. */
    @Override
    public Census census() {
        int deployments = 0;
        int open = 0;
        for (Breaker breaker : breakers.values()) {
            deployments++;
            if (breaker.open) {
                open++;
            }
        }
        return new Census(deployments, open);
    }

    private Breaker breaker(Deployment deployment) {
        String key = deployment.healthKey();
        Breaker breaker = breakers.get(key); // get first: computeIfAbsent may lock the bin even when the key is there
        return breaker != null ? breaker : breakers.computeIfAbsent(key, Breaker::new);
    }

    /**
     * Reads the shared record when its cache time is up. The caller that claims the read does it; everyone else,
     * including while that read is in flight, goes on with the local state, so a slow store delays one request per
     * deployment and period, never a crowd.
     */
    /**
     * The first read of a deployment's record is made on the caller's thread, so a fresh instance never tries a
     * deployment the others know is down; later refreshes run in the background and this request goes on with what the
     * instance knew (at most one refresh late), so a request after an idle spell does not wait for a read per
     * deployment of its route.
     */
    private void syncWithShared(Breaker breaker, long now) {
        long due = breaker.nextSharedReadAt.get();
        if (now < due || !breaker.nextSharedReadAt.compareAndSet(due, Long.MAX_VALUE)) {
            return;
        }
        if (!breaker.sharedReadOnce) {
            breaker.sharedReadOnce = true;
            readShared(breaker, now);
            return;
        }
        try {
            heartbeats.execute(() -> readShared(breaker, epochMillis.getAsLong()));
        } catch (RuntimeException rejected) {
            breaker.nextSharedReadAt.set(now + sharedReadTtlMillis);
        }
    }

    private void readShared(Breaker breaker, long now) {
        try {
            SharedHealth record = shared.read(breaker.key).orElse(null);
            if (record != null) {
                breaker.adopt(record, now);
            }
        } catch (RuntimeException e) {
            warn(breaker, now, "read", e);
        } finally {
            breaker.nextSharedReadAt.set(now + sharedReadTtlMillis);
        }
    }

    /** Transitions are rare, so they are written on the caller's thread: the next reader sees them at once. */
    private void publish(Breaker breaker, SharedHealth transition, long now) {
        try {
            shared.publish(transition);
        } catch (RuntimeException e) {
            warn(breaker, now, "publish a transition", e);
        }
    }

    private void heartbeat(Breaker breaker, long now) {
        if (now < breaker.nextStatsAt || !breaker.statsInFlight.compareAndSet(false, true)) {
            return;
        }
        if (now < breaker.nextStatsAt) { // another thread published while this one was deciding
            breaker.statsInFlight.set(false);
            return;
        }
        breaker.nextStatsAt = now + statsIntervalMillis;
        SharedHealth stats = breaker.record();
        try {
            heartbeats.execute(() -> {
                try {
                    shared.publishStats(stats);
                } catch (RuntimeException e) {
                    warn(breaker, epochMillis.getAsLong(), "publish statistics", e);
                } finally {
                    breaker.statsInFlight.set(false);
                }
            });
        } catch (RuntimeException rejected) {
            breaker.statsInFlight.set(false);
            warn(breaker, now, "start the statistics heartbeat", rejected);
        }
    }

    private void warn(Breaker breaker, long now, String what, RuntimeException failure) {
        long last = breaker.lastWarnAt.get();
        if (now - last >= WARN_INTERVAL_MILLIS && breaker.lastWarnAt.compareAndSet(last, now)) {
            LOG.warn(
                    "The shared health store failed to {} for {}; this instance goes on with its own view",
                    what,
                    breaker.key,
                    failure);
        }
    }

    /**
     * One deployment's breaker and averages. The fields are guarded by {@link #lock}; {@link #open} is also volatile
     * so a closed breaker is answered without taking it. A {@link ReentrantLock}, not {@code synchronized}, so a
     * virtual thread does not pin its carrier on Java 21.
     */
    private final class Breaker {
        final String key;
        final ReentrantLock lock = new ReentrantLock();
        final AtomicLong nextSharedReadAt = new AtomicLong();
        /** Set by the one caller that won {@link #nextSharedReadAt}: read only by whoever wins it next. */
        volatile boolean sharedReadOnce;

        final AtomicBoolean statsInFlight = new AtomicBoolean();
        final AtomicLong lastWarnAt = new AtomicLong(Long.MIN_VALUE / 2);
        volatile long nextStatsAt;
        volatile boolean open;

        long retryAt;
        /** When this instance last changed state, itself or by adopting a shared record: newer records win. */
        long lastTransitionAt;

        int consecutiveFailures;
        int probesInFlight;
        int probeSuccesses;
        long lastProbeAt;

        final long[] bucketIds = new long[BUCKETS];
        final int[] bucketAttempts = new int[BUCKETS];
        final int[] bucketFailures = new int[BUCKETS];

        double ewmaTtftMillis = -1;
        double errorRate;
        long samples;
        /** Successes whose time to first token was measured, the first of which the average leaves out. */
        long timedAnswers;
        /** When the average last took a sample. */
        long timedAt;

        String lastFailure;
        long lastFailureAt;

        Breaker(String key) {
            this.key = key;
        }

        boolean available(long now) {
            if (!open) {
                return true;
            }
            lock.lock();
            try {
                return !open || (now >= retryAt && probeFree(now));
            } finally {
                lock.unlock();
            }
        }

        boolean tryAcquire(long now) {
            if (!open) {
                return true;
            }
            lock.lock();
            try {
                if (!open) {
                    return true;
                }
                if (now < retryAt || !probeFree(now)) {
                    return false;
                }
                if (probesInFlight >= policy.halfOpenProbes()) {
                    probesInFlight = 0; // stale: see probeFree
                }
                probesInFlight++;
                lastProbeAt = now;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /**
         * A probe slot is free, or the probes have been out for a whole cool-down: a caller that ends an attempt in
         * a way that reports neither success nor failure (a 400, a cancelled client) must not leave the breaker
         * half-open with no probe allowed forever.
         */
        private boolean probeFree(long now) {
            return probesInFlight < policy.halfOpenProbes() || now - lastProbeAt >= coolDownMillis;
        }

        /** Records a success; returns the transition to publish, or null. */
        SharedHealth recordSuccess(long now, double ttftMillis) {
            lock.lock();
            try {
                count(now, false);
                timedAnswers++;
                if (timedAnswers > 1) {
                    // The first answer carries the connection's set-up (TCP, TLS, a cold JIT), so it is left out;
                    // then a plain mean until the average has 1/alpha samples, so no single early answer rules it.
                    long averaged = timedAnswers - 1;
                    double alpha = Math.max(TTFT_ALPHA, 1.0 / averaged);
                    ewmaTtftMillis =
                            averaged == 1 ? ttftMillis : ewmaTtftMillis + alpha * (ttftMillis - ewmaTtftMillis);
                }
                errorRate -= ERROR_ALPHA * errorRate;
                consecutiveFailures = 0;
                if (!open || now < retryAt) {
                    return null; // closed, or an attempt that began before the breaker opened
                }
                probesInFlight = Math.max(0, probesInFlight - 1);
                if (++probeSuccesses < policy.halfOpenProbes()) {
                    return null;
                }
                close(now);
                return record();
            } finally {
                lock.unlock();
            }
        }

        /** A probe that ended without a verdict (the client left, the request was invalid): its slot is free again. */
        void releaseProbe(long now) {
            lock.lock();
            try {
                if (open && now >= retryAt) {
                    probesInFlight = Math.max(0, probesInFlight - 1);
                }
            } finally {
                lock.unlock();
            }
        }

        /** Records a failure; returns the transition to publish, or null. */
        SharedHealth recordFailure(long now, String errorCode) {
            lock.lock();
            try {
                count(now, true);
                errorRate += ERROR_ALPHA * (1 - errorRate);
                consecutiveFailures++;
                lastFailure = errorCode;
                lastFailureAt = now;
                if (open && now < retryAt) {
                    return null; // an attempt that began before the breaker opened
                }
                if (open || consecutiveFailures >= policy.consecutiveFailures() || errorRateTripped(now)) {
                    openUntil(now + coolDownMillis, now); // half-open: a probe failed; closed: tripped
                    return record();
                }
                return null;
            } finally {
                lock.unlock();
            }
        }

        /** Takes another instance's newer transition. */
        void adopt(SharedHealth record, long now) {
            lock.lock();
            try {
                if (record.changedAtMillis() <= lastTransitionAt) {
                    return;
                }
                if (record.state() == BreakerState.OPEN && record.retryAtMillis() > now) {
                    openUntil(record.retryAtMillis(), record.changedAtMillis());
                } else if (record.state() == BreakerState.CLOSED && open) {
                    close(record.changedAtMillis());
                }
            } finally {
                lock.unlock();
            }
        }

        Snapshot snapshot(long now) {
            lock.lock();
            try {
                BreakerState state =
                        !open ? BreakerState.CLOSED : now < retryAt ? BreakerState.OPEN : BreakerState.HALF_OPEN;
                return new Snapshot(state, ewmaTtftMillis, errorRate, samples, open ? retryAt : 0, timedAt);
            } finally {
                lock.unlock();
            }
        }

        /** What this instance would tell the others now. */
        SharedHealth record() {
            lock.lock();
            try {
                return new SharedHealth(
                        key,
                        open ? BreakerState.OPEN : BreakerState.CLOSED,
                        lastTransitionAt,
                        open ? retryAt : 0,
                        ewmaTtftMillis,
                        errorRate,
                        lastFailure,
                        lastFailureAt);
            } finally {
                lock.unlock();
            }
        }

        private void openUntil(long until, long changedAt) {
            open = true;
            retryAt = until;
            lastTransitionAt = changedAt;
            probesInFlight = 0;
            probeSuccesses = 0;
            consecutiveFailures = 0;
        }

        /** Closes with a clean slate: the failures that opened the breaker must not reopen it on the next one. */
        private void close(long changedAt) {
            open = false;
            retryAt = 0;
            lastTransitionAt = changedAt;
            probesInFlight = 0;
            probeSuccesses = 0;
            consecutiveFailures = 0;
            Arrays.fill(bucketAttempts, 0);
            Arrays.fill(bucketFailures, 0);
        }

        private void count(long now, boolean failed) {
            samples++;
            long id = now / bucketMillis;
            int slot = (int) Math.floorMod(id, (long) BUCKETS);
            if (bucketIds[slot] != id) {
                bucketIds[slot] = id;
                bucketAttempts[slot] = 0;
                bucketFailures[slot] = 0;
            }
            bucketAttempts[slot]++;
            if (failed) {
                bucketFailures[slot]++;
            }
        }

        /** The window is the current bucket and the nine before it: between 90 % and 100 % of the policy's window. */
        private boolean errorRateTripped(long now) {
            long current = now / bucketMillis;
            int attempts = 0;
            int failures = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (bucketIds[i] > current - BUCKETS && bucketIds[i] <= current) {
                    attempts += bucketAttempts[i];
                    failures += bucketFailures[i];
                }
            }
            return attempts >= policy.minSamples() && failures > policy.errorRateThreshold() * attempts;
        }
    }
}
