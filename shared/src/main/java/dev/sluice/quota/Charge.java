package dev.sluice.quota;

/**
 * What one request takes from a scope: reserved as the worst case at admission, settled to what it really cost.
 *
 * @param requests 1 for a request, 0 for an extension of a reservation already counted
 * @param tokens   prompt plus output tokens
 * @param micros   cost in micro-USD
 */
public record Charge(long requests, long tokens, long micros) {
    public static final Charge ZERO = new Charge(0, 0, 0);

    public Charge {
        if (requests < 0 || tokens < 0 || micros < 0) {
            throw new IllegalArgumentException("a charge is never negative");
        }
    }
}
