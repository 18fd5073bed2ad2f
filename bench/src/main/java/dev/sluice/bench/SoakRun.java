package dev.sluice.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Clients that send streamed requests to one gateway target for minutes, with a line of figures per interval:
 * streams completed, errors, {@code [DONE]} p99, and the gauges that show a stack running out of something (usage
 * backlog, DynamoDB Local items, threads, file descriptors, loopback TCP sockets by state, heap, GC, RSS). An interval
 * that completes no stream is a stall: the run says so, and writes a thread dump (virtual threads included) for the
 * first few suspicious intervals.
 */
final class SoakRun {
    private static final int MAX_THREAD_DUMPS = 3;
    private static final long MAX_REQUESTS_PER_CLIENT = 100_000_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    /** Readings of the stack under test, taken once per interval; each must return quickly even when it stalls. */
    interface Gauges {
        int usageBacklog();

        /** Items per table (DynamoDB Local's own count), -1 where the read failed or timed out. */
        Map<String, Long> tableItems();

        int dynamoDbPort();

        int routerPort();
    }

    private SoakRun() {}

    /**
     * @param dumps where thread dumps of stalled intervals go
     */
    static Result run(SoakOptions options, Target target, Gauges gauges, Path dumps, PrintStream progress) {
        Instant startedAt = Instant.now();
        String loadBefore = ProcessStats.loadAverage();
        LongAdder completed = new LongAdder();
        LongAdder failed = new LongAdder();
        Errors errors = new Errors();
        Latencies latencies = new Latencies();
        long begin = System.nanoTime();
        long deadline = begin + options.duration().toNanos();
        List<Client> clients = new ArrayList<>(options.clients());
        List<Thread> threads = new ArrayList<>(options.clients());
        for (int i = 0; i < options.clients(); i++) {
            Client client = new Client(target, deadline, completed, failed, errors, latencies);
            clients.add(client);
            threads.add(Thread.ofVirtual().name("soak-" + i).start(client));
        }

        List<Interval> intervals = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        progress.println(Interval.HEADER);
        long intervalNanos = options.interval().toNanos();
        long lastCompleted = 0;
        long lastFailed = 0;
        long lastCpu = ProcessStats.cpuNanos();
        long lastGc = gcMillis();
        long lastTick = begin;
        for (int index = 1; lastTick < deadline; index++) {
            // The next whole interval after the last reading: after a pause (GC, a frozen process) the interval
            // that holds it is one long line, not a burst of empty ones.
            long tick = Math.min(deadline, begin + ((lastTick - begin) / intervalNanos + 1) * intervalNanos);
            ThroughputRun.parkUntil(tick);
            long now = System.nanoTime();
            long done = completed.sum();
            long errorCount = failed.sum();
            long cpu = ProcessStats.cpuNanos();
            long gc = gcMillis();
            Interval interval = new Interval(
                    index,
                    (now - begin) / 1e9,
                    (now - lastTick) / 1e9,
                    done - lastCompleted,
                    errorCount - lastFailed,
                    latencies.drain(),
                    (cpu - lastCpu)
                            / (double) (now - lastTick)
                            / Runtime.getRuntime().availableProcessors(),
                    gc - lastGc,
                    heapUsedBytes(),
                    ProcessStats.rssBytes(),
                    gauges.usageBacklog(),
                    gauges.tableItems(),
                    THREADS.getThreadCount(),
                    ProcessStats.openFileDescriptors(),
                    TcpSockets.count(gauges.dynamoDbPort()),
                    TcpSockets.count(gauges.routerPort()));
            intervals.add(interval);
            progress.println(interval.line());
            if ((interval.stalled() || interval.errors() > 0) && written.size() < MAX_THREAD_DUMPS) {
                Path dump = dumpThreads(dumps, written.size() + 1);
                if (dump != null) {
                    written.add(dump);
                    progress.println("  thread dump (interval " + index + "): " + dump);
                }
            }
            lastCompleted = done;
            lastFailed = errorCount;
            lastCpu = cpu;
            lastGc = gc;
            lastTick = now;
        }
        long unfinished = ThroughputRun.join(
                threads,
                clients.stream().<Runnable>map(c -> c::abort).toList(),
                deadline + ThroughputRun.DRAIN_ALLOWANCE.toNanos());
        return new Result(
                options,
                Machine.current(),
                startedAt,
                Duration.ofNanos(System.nanoTime() - begin),
                loadBefore,
                ProcessStats.loadAverage(),
                intervals,
                completed.sum(),
                failed.sum() + unfinished,
                errors.reasons(),
                written);
    }

    private static long heapUsedBytes() {
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, collector.getCollectionTime());
        }
        return total;
    }

    /** A plain-text dump of every thread, virtual threads included; null if it could not be written. */
    private static Path dumpThreads(Path dir, int number) {
        Path file = dir.resolve("soak-threads-" + ProcessHandle.current().pid() + "-" + number + ".txt")
                .toAbsolutePath();
        try {
            Files.deleteIfExists(file);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            return file;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code [DONE]} times of the current interval, from every client. */
    private static final class Latencies {
        private Samples current = new Samples(4096);

        synchronized void add(long nanos) {
            current.add(nanos);
        }

        synchronized Samples.Percentiles drain() {
            Samples full = current;
            current = new Samples(Math.max(4096, full.count()));
            return full.percentiles();
        }
    }

    private static final class Client implements Runnable {
        private final Target target;
        private final long deadline;
        private final LongAdder completed;
        private final LongAdder failed;
        private final Errors errors;
        private final Latencies latencies;
        private final SseConnection connection;

        Client(
                Target target,
                long deadline,
                LongAdder completed,
                LongAdder failed,
                Errors errors,
                Latencies latencies) {
            this.target = target;
            this.deadline = deadline;
            this.completed = completed;
            this.failed = failed;
            this.errors = errors;
            this.latencies = latencies;
            this.connection = new SseConnection(target.address());
        }

        @Override
        public void run() {
            try {
                for (long i = 0; i < MAX_REQUESTS_PER_CLIENT && System.nanoTime() < deadline; i++) {
                    StreamResult result = connection.send(target.request());
                    String problem = target.problemWith(result);
                    if (problem != null) {
                        failed.increment();
                        errors.record(target, problem);
                        // A failing gateway answers fast: do not spin on it.
                        LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                        continue;
                    }
                    completed.increment();
                    latencies.add(result.doneNanos());
                }
            } finally {
                connection.close();
            }
        }

        void abort() {
            connection.close();
        }
    }

    /**
     * One interval's figures.
     *
     * @param elapsedSeconds since the soak started, at the interval's end
     * @param seconds        the interval's length
     * @param cpuBusy        process CPU over the interval as a share of all processors
     * @param dynamoDbTcp    loopback sockets to or from DynamoDB Local's port, by state
     * @param routerTcp      loopback sockets to or from the router's port, by state
     */
    record Interval(
            int index,
            double elapsedSeconds,
            double seconds,
            long completed,
            long errors,
            Samples.Percentiles done,
            double cpuBusy,
            long gcMillis,
            long heapUsedBytes,
            long rssBytes,
            int usageBacklog,
            Map<String, Long> tableItems,
            int threads,
            int fileDescriptors,
            TcpSockets dynamoDbTcp,
            TcpSockets routerTcp) {
        static final String HEADER = "  t(s)  streams/s  errors  p99(ms)  cpu  gc(ms)  heap(MB)  rss(MB)  backlog"
                + "  items  threads  fds  ddb-tcp(est/tw)  router-tcp(est/tw)";

        boolean stalled() {
            return completed == 0;
        }

        double streamsPerSecond() {
            return completed / seconds;
        }

        long items() {
            return tableItems.values().stream()
                    .mapToLong(Long::longValue)
                    .map(n -> Math.max(0, n))
                    .sum();
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%6.0f  %9.0f  %6d  %7s  %3.0f%%  %6d  %8d  %7d  %7d  %5s  %7d  %3d" + "  %8d/%-6d  %10d/%-6d%s",
                    elapsedSeconds,
                    streamsPerSecond(),
                    errors,
                    millis(done.p99()),
                    cpuBusy * 100,
                    gcMillis,
                    heapUsedBytes >> 20,
                    rssBytes >> 20,
                    usageBacklog,
                    itemsText(),
                    threads,
                    fileDescriptors,
                    dynamoDbTcp.established(),
                    dynamoDbTcp.timeWait(),
                    routerTcp.established(),
                    routerTcp.timeWait(),
                    stalled() ? "  STALL: no stream completed" : "");
        }

        String itemsText() {
            return tableItems.values().stream().anyMatch(n -> n < 0) ? "n/a" : Long.toString(items());
        }

        static String millis(long nanos) {
            return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.1f", nanos / 1e6);
        }
    }

    /** The whole soak; {@link #toMarkdown()} renders it. */
    record Result(
            SoakOptions options,
            Machine machine,
            Instant startedAt,
            Duration elapsed,
            String loadBefore,
            String loadAfter,
            List<Interval> intervals,
            long completed,
            long errors,
            List<String> errorReasons,
            List<Path> threadDumps) {
        Result {
            intervals = List.copyOf(intervals);
            errorReasons = List.copyOf(errorReasons);
            threadDumps = List.copyOf(threadDumps);
        }

        long stalledIntervals() {
            return intervals.stream().filter(Interval::stalled).count();
        }

        String toMarkdown() {
            return SoakReport.render(this);
        }
    }
}
