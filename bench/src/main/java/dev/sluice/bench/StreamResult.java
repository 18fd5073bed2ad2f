package dev.sluice.bench;

/**
 * One streamed request as the client saw it. Times are {@link System#nanoTime()} based.
 *
 * @param startNanos       when the request's first byte was written
 * @param firstDataNanos   from the start until the first complete {@code data:} line was read; -1 if none
 * @param doneNanos        from the start until {@code data: [DONE]} was read; -1 if never
 * @param events           {@code data:} lines before {@code [DONE]}
 * @param error            why the request failed at the HTTP level (status, I/O), or null
 */
record StreamResult(long startNanos, long firstDataNanos, long doneNanos, int events, String error) {

    static StreamResult failed(long startNanos, String error) {
        return new StreamResult(startNanos, -1, -1, 0, error);
    }

    boolean done() {
        return doneNanos >= 0;
    }

    long endNanos() {
        return startNanos + doneNanos;
    }
}
