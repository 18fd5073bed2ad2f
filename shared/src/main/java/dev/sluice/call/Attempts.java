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

    void begin(Deployment deployment) {
        count++;
        current = deployment;
    }

    public int count() {
        return count;
    }

    /** {@code x-sluice-deployment: <provider>/<model>} and {@code x-sluice-attempts: N}, once an attempt has begun. */
    public Map<String, String> headers() {
        if (current == null) {
            return Map.of();
        }
        return Map.of("x-sluice-deployment", current.label(), "x-sluice-attempts", Integer.toString(count));
    }
}
