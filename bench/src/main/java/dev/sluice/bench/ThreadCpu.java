package dev.sluice.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of DynamoDB Local's own threads (its Jetty pool {@code dynamodb-local-*} and sqlite4java's
 * {@code SQLiteQueue}), so the report can separate the dev stack's database engine, which production replaces with
 * DynamoDB itself, from the gateway's own work. Threads that end between two snapshots lose their CPU from this
 * count, so the figure is a lower bound.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {}

    /** CPU nanoseconds so far of each live DynamoDB Local thread, by thread id. */
    static Map<Long, Long> dynamoDbLocalSnapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        if (!THREADS.isThreadCpuTimeSupported()) {
            return cpu;
        }
        for (ThreadInfo thread : THREADS.dumpAllThreads(false, false)) {
            String name = thread.getThreadName();
            if (name.startsWith("dynamodb-local") || name.startsWith("SQLiteQueue")) {
                long nanos = THREADS.getThreadCpuTime(thread.getThreadId());
                if (nanos >= 0) {
                    cpu.put(thread.getThreadId(), nanos);
                }
            }
        }
        return cpu;
    }

    /** CPU nanoseconds DynamoDB Local's threads used between two snapshots (new threads count from zero). */
    static long between(Map<Long, Long> before, Map<Long, Long> after) {
        long total = 0;
        for (Map.Entry<Long, Long> thread : after.entrySet()) {
            total += Math.max(0, thread.getValue() - before.getOrDefault(thread.getKey(), 0L));
        }
        return total;
    }
}
