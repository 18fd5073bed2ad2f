package dev.sluice.quota;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Runs a ledger call per scope at once, so a key, its tenant and a session cost one round trip, not three: the first
 * runs on the calling thread, the others on virtual threads (a microsecond each to start).
 */
final class Parallel {
    private Parallel() {}

    /** Each input's result, in order; a call that threw is returned as its exception, for the caller to undo. */
    static <I> List<Object> map(List<I> inputs, Function<I, ?> call) {
        List<CompletableFuture<Object>> others = new ArrayList<>(inputs.size());
        for (int i = 1; i < inputs.size(); i++) {
            I input = inputs.get(i);
            CompletableFuture<Object> future = new CompletableFuture<>();
            Thread.ofVirtual().name("quota").start(() -> future.complete(attempt(call, input)));
            others.add(future);
        }
        List<Object> results = new ArrayList<>(inputs.size());
        results.add(attempt(call, inputs.getFirst()));
        for (CompletableFuture<Object> future : others) {
            try {
                results.add(future.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                results.add(new IllegalStateException("interrupted while waiting for the quota store", e));
            } catch (ExecutionException e) {
                results.add(e.getCause());
            }
        }
        return results;
    }

    private static <I> Object attempt(Function<I, ?> call, I input) {
        try {
            return call.apply(input);
        } catch (RuntimeException e) {
            return e;
        }
    }
}
