package dev.sluice.quota;

/** The outcome of admission control for one request. */
public sealed interface Admission {
    record Allowed() implements Admission {}

    /** @param retryAfterSeconds when the window that refused the request ends, rounded up */
    record Denied(String reason, long retryAfterSeconds) implements Admission {}
}
