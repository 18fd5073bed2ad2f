package dev.sluice.provider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An upstream body that may stay silent at most its deployment's idle timeout between two reads. A stalled upstream
 * would otherwise hold the client (and a Lambda instance) until API Gateway's own limit; when the silence runs out the
 * body is closed under the reader, which then fails with {@link Stalled}, and the adapter maps that to a 504
 * {@code upstream_timeout}: before the first byte a retriable failure, after it the error event that ends the stream.
 *
 * <p>Cost: one volatile write per read; one timer check per idle period per stream, on one shared daemon thread.
 * Closing the body cancels its pending check, which the timer then drops: a check left waiting would keep the finished
 * response and its buffers reachable for the whole idle timeout (at a thousand streams a second and a 60 s timeout,
 * sixty thousand responses).
 */
public final class StallGuard extends FilterInputStream {
    private final long idleNanos;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean stalled;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> pending;

    private StallGuard(InputStream body, Duration idleTimeout) {
        super(body);
        this.idleNanos = idleTimeout.toNanos();
    }

    /** {@code body}, closed under its reader after {@code idleTimeout} without data. */
    public static InputStream guard(InputStream body, Duration idleTimeout) {
        StallGuard guard = new StallGuard(body, idleTimeout);
        guard.schedule(guard.idleNanos);
        return guard;
    }

    /** The body went silent for longer than the deployment allows. */
    public static final class Stalled extends IOException {
        public Stalled(Duration idleTimeout) {
            super("no data from the upstream for " + idleTimeout.toMillis() + " ms");
        }
    }

    @Override
    public int read() throws IOException {
        try {
            int value = super.read();
            lastActivity = System.nanoTime();
            return value;
        } catch (IOException e) {
            throw stalled ? stall(e) : e;
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            int read = super.read(buffer, offset, length);
            lastActivity = System.nanoTime();
            return read;
        } catch (IOException e) {
            throw stalled ? stall(e) : e;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        ScheduledFuture<?> check = pending;
        if (check != null) {
            check.cancel(false);
        }
        super.close();
    }

    private IOException stall(IOException cause) {
        Stalled stall = new Stalled(Duration.ofNanos(idleNanos));
        stall.initCause(cause);
        return stall;
    }

    /** Checks again when the silence could next run out; closes the body once it has. */
    private void check() {
        if (closed) {
            return;
        }
        long silent = System.nanoTime() - lastActivity;
        if (silent < idleNanos) {
            schedule(idleNanos - silent);
            return;
        }
        stalled = true;
        try {
            in.close(); // wakes the reader, which sees stalled
        } catch (IOException ignored) {
            // closing is all that matters
        }
    }

    private void schedule(long delayNanos) {
        ScheduledFuture<?> check = Timer.INSTANCE.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        pending = check;
        if (closed) {
            check.cancel(false); // closed while this was being scheduled
        }
    }

    /** One daemon thread for every guard in the process, started on first use. */
    private static final class Timer {
        static final ScheduledExecutorService INSTANCE = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "upstream-stall-guard");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
