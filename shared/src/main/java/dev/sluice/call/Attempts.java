package dev.sluice.call;

import dev.sluice.route.Deployment;
import java.util.Map;

/**
 * What failover has tried so far for one request: the count and the deployment now answering. The response carries
 * them ({@code x-sluice-attempts}, {@code x-sluice-deployment}) and so does the usage event. Used by one request's
 * thread; read when the response's headers go out, which is after the attempt that answers has begun.
 */
public final class Attempts {
    private int count;
    private Deployment current;
    private String reason;

    void begin(Deployment deployment) {
        count++;
        current = deployment;
    }

    /**
     * Adds to why the deployments were chosen (a rule, the strategy's choice, a context fallback), for the
     * {@code x-sluice-route-reason} header.
     */
    public void note(String why) {
        reason = reason == null ? why : reason + "; " + why;
    }

    /** Why the deployments were chosen, or null when nothing was planned. */
    public String reason() {
        return reason;
    }

    public int count() {
        return count;
    }

    /** {@code x-sluice-deployment: <provider>/<model>}, {@code x-sluice-attempts: N} and {@code x-sluice-route-reason}, once an attempt has begun. */
    public Map<String, String> headers() {
        if (current == null) {
            return Map.of();
        }
        if (reason == null) {
            return Map.of("x-sluice-deployment", current.label(), "x-sluice-attempts", Integer.toString(count));
        }
        return Map.of(
                "x-sluice-deployment",
                current.label(),
                "x-sluice-attempts",
                Integer.toString(count),
                "x-sluice-route-reason",
                reason);
    }
}
