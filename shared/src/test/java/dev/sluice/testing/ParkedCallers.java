package dev.sluice.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one call on many virtual threads at once and acts only when every one of them is parked (blocked in a held
 * load, or waiting for someone else's): a deterministic way to prove that N concurrent callers share one load,
 * without sleeping and hoping they overlapped.
 */
public final class ParkedCallers {
    private ParkedCallers() {}

    /**
     * Starts {@code callers} virtual threads running {@code call}, runs {@code whenAllParked} once all are parked,
     * and returns their outcomes in start order (the {@link Future}s, done, so a test can assert on failures too).
     */
    public static <T> List<Future<T>> run(int callers, Callable<T> call, Runnable whenAllParked) throws Exception {
        Queue<Thread> started = new ConcurrentLinkedQueue<>();
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                futures.add(threads.submit(() -> {
                    started.add(Thread.currentThread());
                    return call.call();
                }));
            }
            waitUntilAllParked(started, callers);
            whenAllParked.run();
        } // close() waits for every caller to finish
        return futures;
    }

    private static void waitUntilAllParked(Queue<Thread> started, int callers) throws InterruptedException {
        for (int polls = 0; polls < 10_000; polls++) {
            if (started.size() == callers
                    && started.stream()
                            .allMatch(t -> t.getState() == Thread.State.WAITING
                                    || t.getState() == Thread.State.TIMED_WAITING)) {
                return;
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("the callers did not all park within 10 s");
    }
}
