package dev.sluice.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** An error a fake answers instead of a completion, for every request or for the next few. */
final class ScriptedFailure {

    private final int status;
    private final String body;
    private final Duration retryAfter;
    private final AtomicInteger remaining;

    ScriptedFailure(int status, String body, Duration retryAfter, int times) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 4xx or 5xx: " + status);
        }
        this.status = status;
        this.body = body;
        this.retryAfter = retryAfter;
        this.remaining = new AtomicInteger(times);
    }

    /** Takes one use; false once the failure is used up. */
    boolean take() {
        return remaining.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0;
    }

    int status() {
        return status;
    }

    String body() {
        return body;
    }

    /** The {@code Retry-After} value in whole seconds (rounded up), or null when none was scripted. */
    String retryAfterSeconds() {
        if (retryAfter == null) {
            return null;
        }
        long millis = retryAfter.toMillis();
        return Long.toString((millis + 999) / 1000);
    }
}
