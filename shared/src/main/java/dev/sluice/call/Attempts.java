package dev.sluice.call;

import dev.sluice.route.Deployment;
import java.util.HashMap;
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
    private String cacheStatus;
    private String cachedFrom;
    private double cacheSimilarity = Double.NaN;

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

    /** What the response cache did: {@code hit}, {@code miss} or {@code bypass}, for {@code x-sluice-cache}. */
    public void cache(String status) {
        cacheStatus = status;
    }

    /** What the response cache did, or null when the request did not reach it. */
    public String cacheStatus() {
        return cacheStatus;
    }

    /** The answer came from the cache; {@code label} is the deployment that made it ({@code provider/model}). */
    public void answeredFromCache(String label) {
        cachedFrom = label;
    }

    /** A semantic hit's similarity, for {@code x-sluice-cache-similarity}. */
    public void cacheSimilarity(double similarity) {
        cacheSimilarity = similarity;
    }

    public int count() {
        return count;
    }

    /**
     * {@code x-sluice-deployment: <provider>/<model>}, {@code x-sluice-attempts: N} (0 for a cache hit),
     * {@code x-sluice-route-reason} and {@code x-sluice-cache}, as far as they are known.
     */
    public Map<String, String> headers() {
        String deployment = current != null ? current.label() : cachedFrom;
        if (deployment == null && cacheStatus == null) {
            return Map.of();
        }
        Map<String, String> headers = new HashMap<>(8);
        if (deployment != null) {
            headers.put("x-sluice-deployment", deployment);
            headers.put("x-sluice-attempts", Integer.toString(count));
        }
        if (reason != null && deployment != null) {
            headers.put("x-sluice-route-reason", reason);
        }
        if (cacheStatus != null) {
            headers.put("x-sluice-cache", cacheStatus);
        }
        if (!Double.isNaN(cacheSimilarity)) {
            headers.put("x-sluice-cache-similarity", String.format(java.util.Locale.ROOT, "%.4f", cacheSimilarity));
        }
        return headers;
    }
}
