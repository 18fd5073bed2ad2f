package dev.sluice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * A fixed number of clients, each on its own virtual thread and keep-alive connection, sending streamed requests
 * back to back for a warm-up and then a measured window. Streams count when their {@code [DONE]} arrives inside the
 * window; latency samples come from streams that also started inside it. Errors count over the whole run.
 */
final class ThroughputRun {
    /** How long clients may take to finish the stream in flight when the window closes, before they are cut off. */
    static final Duration DRAIN_ALLOWANCE = Duration.ofSeconds(SseConnection.READ_TIMEOUT_MILLIS / 1000 + 5);
    /** More streams than any client can complete in an hour on loopback; a bound, not a target. */
    private static final int MAX_REQUESTS_PER_CLIENT = 10_000_000;

    private static final long RSS_SAMPLE_NANOS = Duration.ofMillis(100).toNanos();

    private ThroughputRun() {}

    /**
     * @param usageBacklog usage events not yet folded by the aggregator, read when the window closes (0 for direct
     *                     runs): a gateway that serves faster than its usage pipeline drains builds up debt
     */
    static Result run(Target target, int clients, Duration warmup, Duration window, IntSupplier usageBacklog) {
        long begin = System.nanoTime();
        long windowStart = begin + warmup.toNanos();
        long windowEnd = windowStart + window.toNanos();
        Errors errors = new Errors();
        List<Client> workers = new ArrayList<>(clients);
        List<Thread> threads = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            Client client = new Client(target, windowStart, windowEnd, errors);
            workers.add(client);
            threads.add(
                    Thread.ofVirtual().name("bench-" + target.name() + "-" + i).start(client));
        }

        parkUntil(windowStart);
        long cpuBefore = ProcessStats.cpuNanos();
        long wallBefore = System.nanoTime();
        long peakRss = -1;
        for (long now = wallBefore; now < windowEnd; now = System.nanoTime()) {
            peakRss = Math.max(peakRss, ProcessStats.rssBytes());
            parkUntil(Math.min(windowEnd, now + RSS_SAMPLE_NANOS));
        }
        long cpu = ProcessStats.cpuNanos() - cpuBefore;
        long wall = System.nanoTime() - wallBefore;
        long peakRssSinceStart = ProcessStats.peakRssBytes();
        int backlog = usageBacklog.getAsInt();

        long unfinished = join(
                threads, workers.stream().<Runnable>map(w -> w::abort).toList(), windowEnd + DRAIN_ALLOWANCE.toNanos());
        long completed = 0;
        long events = 0;
        long reconnects = 0;
        Samples firstData = new Samples(1024);
        Samples done = new Samples(1024);
        for (Client client : workers) {
            completed += client.completed;
            events += client.events;
            reconnects += client.reconnects;
            firstData.addAll(client.firstData);
            done.addAll(client.done);
        }
        return new Result(
                target.name(),
                clients,
                wall,
                completed,
                events,
                errors.count() + unfinished,
                errors.reasons(),
                firstData.percentiles(),
                done.percentiles(),
                cpu,
                peakRss,
                peakRssSinceStart,
                reconnects,
                backlog);
    }

    /**
     * Waits for every client; any still running at the deadline is aborted (its connection closed). Returns how many
     * were aborted.
     */
    static long join(List<Thread> threads, List<Runnable> aborts, long deadline) {
        long unfinished = 0;
        for (int i = 0; i < threads.size(); i++) {
            Thread thread = threads.get(i);
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    thread.join(Duration.ofNanos(left));
                }
                if (thread.isAlive()) {
                    unfinished++;
                    aborts.get(i).run();
                    thread.join(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the clients", e);
            }
        }
        return unfinished;
    }

    static void parkUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** One client's loop; its counters are read by the main thread only after {@link Thread#join}. */
    private static final class Client implements Runnable {
        private final Target target;
        private final long windowStart;
        private final long windowEnd;
        private final Errors errors;
        private final SseConnection connection;
        private final Samples firstData = new Samples(256);
        private final Samples done = new Samples(256);
        private long completed;
        private long events;
        private long reconnects;

        Client(Target target, long windowStart, long windowEnd, Errors errors) {
            this.target = target;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.errors = errors;
            this.connection = new SseConnection(target.address());
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && System.nanoTime() < windowEnd; i++) {
                    StreamResult result = connection.send(target.request());
                    String problem = target.problemWith(result);
                    if (problem != null) {
                        errors.record(target, problem);
                        continue;
                    }
                    long end = result.endNanos();
                    if (end >= windowStart && end <= windowEnd) {
                        completed++;
                        events += result.events();
                        if (result.startNanos() >= windowStart) {
                            firstData.add(result.firstDataNanos());
                            done.add(result.doneNanos());
                        }
                    }
                }
            } finally {
                reconnects = connection.reconnects();
                connection.close();
            }
        }

        void abort() {
            connection.close();
        }
    }

    /**
     * One target at one concurrency.
     *
     * @param windowNanos       the measured window's actual length
     * @param events            SSE data events (chunks) of the streams completed in the window
     * @param cpuNanos          process CPU time over the window
     * @param peakRss           the highest {@code VmRSS} sampled in the window, in bytes
     * @param peakRssSinceStart {@code VmHWM} at the end of the window, in bytes (the whole process's peak so far)
     * @param usageBacklog      usage events waiting for the aggregator when the window closed
     */
    record Result(
            String target,
            int clients,
            long windowNanos,
            long completed,
            long events,
            long errors,
            List<String> errorReasons,
            Samples.Percentiles firstData,
            Samples.Percentiles done,
            long cpuNanos,
            long peakRss,
            long peakRssSinceStart,
            long reconnects,
            int usageBacklog) {
        double streamsPerSecond() {
            return completed * 1e9 / windowNanos;
        }

        double chunksPerSecond() {
            return events * 1e9 / windowNanos;
        }

        /** Process CPU per completed stream (client, upstream and, for the gateway, the whole stack), in ms. */
        double cpuMillisPerStream() {
            return completed == 0 ? Double.NaN : cpuNanos / 1e6 / completed;
        }

        /** Busy fraction of the machine's processors over the window. */
        double cpuUtilisation(int processors) {
            return cpuNanos / (double) windowNanos / processors;
        }
    }
}
