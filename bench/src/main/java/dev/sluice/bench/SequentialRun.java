package dev.sluice.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client sending streamed requests one after another over one keep-alive connection per target: the latency
 * phase and the CPU phase. The targets take turns in blocks, and which goes first rotates, so drift (JIT, GC, a
 * noisy neighbour) lands on all of them alike.
 */
final class SequentialRun implements AutoCloseable {
    static final int BLOCK = 100;

    private final List<Target> targets;
    private final Map<Target, SseConnection> connections = new LinkedHashMap<>();
    private final Errors errors;

    SequentialRun(List<Target> targets, Errors errors) {
        this.targets = List.copyOf(targets);
        this.targets.forEach(target -> connections.put(target, new SseConnection(target.address())));
        this.errors = errors;
    }

    /** One request to each target; fails at once, with the reason, when one is not a complete stream. */
    void check() {
        for (Target target : targets) {
            String problem = target.problemWith(connections.get(target).send(target.request()));
            if (problem != null) {
                throw new IllegalStateException("the " + target.name() + " target did not stream: " + problem);
            }
        }
    }

    /** Requests whose results are thrown away, {@code requests} to each target, so the JIT compiles the hot paths. */
    void warmUp(int requests) {
        Errors ignored = new Errors();
        for (int sent = 0, block = 0; sent < requests; block++) {
            int count = Math.min(BLOCK, requests - sent);
            for (Target target : rotated(block)) {
                send(target, count, null, null, ignored);
            }
            sent += count;
        }
    }

    /** Time to the first {@code data:} line and to {@code [DONE]}, {@code requests} to each target. */
    LatencyResult measureLatency(int requests) {
        Map<String, Samples> firstData = new LinkedHashMap<>();
        Map<String, Samples> done = new LinkedHashMap<>();
        for (Target target : targets) {
            firstData.put(target.name(), new Samples(requests));
            done.put(target.name(), new Samples(requests));
        }
        for (int sent = 0, block = 0; sent < requests; block++) {
            int count = Math.min(BLOCK, requests - sent);
            for (Target target : rotated(block)) {
                send(target, count, firstData.get(target.name()), done.get(target.name()), errors);
            }
            sent += count;
        }
        Map<String, Samples.Percentiles> first = new LinkedHashMap<>();
        Map<String, Samples.Percentiles> last = new LinkedHashMap<>();
        firstData.forEach((name, samples) -> first.put(name, samples.percentiles()));
        done.forEach((name, samples) -> last.put(name, samples.percentiles()));
        return new LatencyResult(first, last);
    }

    /**
     * Process CPU time over {@code requests} requests to each target, in two halves (targets in order, then again).
     * {@code settle} runs after each stretch and is counted separately: the gateway's usage pipeline delivers to the
     * aggregator in the background, and waiting for it charges that work to the gateway.
     */
    CpuResult measureCpu(int requests, Runnable settle) {
        Map<String, Cpu> cpu = new LinkedHashMap<>();
        targets.forEach(target -> cpu.put(target.name(), new Cpu()));
        int firstHalf = requests / 2;
        for (int half : new int[] {firstHalf, requests - firstHalf}) {
            for (Target target : targets) {
                Cpu into = cpu.get(target.name());
                ThreadCpu.Snapshot threadsBefore = ThreadCpu.snapshot();
                long wallBefore = System.nanoTime();
                long before = ProcessStats.cpuNanos();
                send(target, half, null, null, errors);
                long afterLoop = ProcessStats.cpuNanos();
                into.wall += System.nanoTime() - wallBefore;
                settle.run();
                long afterSettle = ProcessStats.cpuNanos();
                ThreadCpu.Snapshot threadsAfter = ThreadCpu.snapshot();
                into.engine += ThreadCpu.Snapshot.between(threadsBefore.engine(), threadsAfter.engine());
                into.usage += ThreadCpu.Snapshot.between(threadsBefore.usage(), threadsAfter.usage());
                into.jvm += Math.max(
                        0, afterSettle - before - ThreadCpu.Snapshot.between(threadsBefore.all(), threadsAfter.all()));
                into.loop += afterLoop - before;
                into.settled += afterSettle - before;
            }
        }
        Map<String, CpuResult.Totals> totals = new LinkedHashMap<>();
        cpu.forEach((name, c) ->
                totals.put(name, new CpuResult.Totals(c.loop, c.settled, c.engine, c.usage, c.jvm, c.wall)));
        return new CpuResult(requests, totals);
    }

    long reconnects() {
        return connections.values().stream()
                .mapToLong(SseConnection::reconnects)
                .sum();
    }

    @Override
    public void close() {
        connections.values().forEach(SseConnection::close);
    }

    private List<Target> rotated(int block) {
        List<Target> order = new ArrayList<>(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            order.add(targets.get((block + i) % targets.size()));
        }
        return order;
    }

    private void send(Target target, int count, Samples firstData, Samples done, Errors into) {
        SseConnection connection = connections.get(target);
        for (int i = 0; i < count; i++) {
            StreamResult result = connection.send(target.request());
            String problem = target.problemWith(result);
            if (problem != null) {
                into.record(target, problem);
            } else if (firstData != null) {
                firstData.add(result.firstDataNanos());
                done.add(result.doneNanos());
            }
        }
    }

    private static final class Cpu {
        long loop;
        long settled;
        long engine;
        long usage;
        long jvm;
        long wall;
    }

    /** Percentiles in nanoseconds as the client measured them, by target name. */
    record LatencyResult(Map<String, Samples.Percentiles> firstData, Map<String, Samples.Percentiles> done) {
        LatencyResult {
            firstData = Map.copyOf(firstData);
            done = Map.copyOf(done);
        }
    }

    /** CPU nanoseconds over the same number of requests to each target, by target name. */
    record CpuResult(int requestsEach, Map<String, Totals> byTarget) {
        CpuResult {
            byTarget = Map.copyOf(byTarget);
        }

        /**
         * @param loop    process CPU while the requests ran
         * @param settled process CPU while they ran and until the usage pipeline had drained
         * @param engine  CPU of DynamoDB Local's own threads over the same span as {@code settled}
         * @param usage   CPU of the dev stack's usage pipeline thread over that span
         * @param jvm     the process's CPU over that span that no Java thread used: GC, JIT compilers, the VM
         * @param wall    wall time while the requests ran
         */
        record Totals(long loop, long settled, long engine, long usage, long jvm, long wall) {}

        /** Milliseconds per request of one measure of one target. */
        double perRequest(String target, java.util.function.ToLongFunction<Totals> measure) {
            Totals totals = byTarget.get(target);
            return totals == null ? Double.NaN : measure.applyAsLong(totals) / 1e6 / requestsEach;
        }
    }
}
