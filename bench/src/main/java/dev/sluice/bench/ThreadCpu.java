package dev.sluice.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of the JVM's threads by group, so the report can separate the dev stack's stand-ins from the gateway's own
 * work: DynamoDB Local's threads (its Jetty pool {@code dynamodb-local-*} and sqlite4java's {@code SQLiteQueue}),
 * which production replaces with DynamoDB itself; the in-process usage pipeline's thread ({@code usage-stream}),
 * which production replaces with Kinesis and the billing-aggregator function; and every Java thread together, whose
 * difference from the process's CPU is the JVM's own (GC, JIT compilers, VM threads: not Java threads). Threads that
 * end between two snapshots lose their CPU from these counts, so each group is a lower bound.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {}

    /** CPU nanoseconds so far of each live Java thread, by thread id, with its group. */
    record Snapshot(Map<Long, Long> engine, Map<Long, Long> usage, Map<Long, Long> all) {
        /** CPU the group used since {@code before} (new threads count from zero). */
        static long between(Map<Long, Long> before, Map<Long, Long> after) {
            long total = 0;
            for (Map.Entry<Long, Long> thread : after.entrySet()) {
                total += Math.max(0, thread.getValue() - before.getOrDefault(thread.getKey(), 0L));
            }
            return total;
        }
    }

    static Snapshot snapshot() {
        Map<Long, Long> engine = new HashMap<>();
        Map<Long, Long> usage = new HashMap<>();
        Map<Long, Long> all = new HashMap<>();
        if (!THREADS.isThreadCpuTimeSupported()) {
            return new Snapshot(engine, usage, all);
        }
        for (var thread : THREADS.dumpAllThreads(false, false)) {
            long nanos = THREADS.getThreadCpuTime(thread.getThreadId());
            if (nanos < 0) {
                continue;
            }
            String name = thread.getThreadName();
            all.put(thread.getThreadId(), nanos);
            if (name.startsWith("dynamodb-local") || name.startsWith("SQLiteQueue")) {
                engine.put(thread.getThreadId(), nanos);
            } else if (name.startsWith("usage-stream")) {
                usage.put(thread.getThreadId(), nanos);
            }
        }
        return new Snapshot(engine, usage, all);
    }
}
