package dev.sluice.responsecache.semantic;

/** Cosine similarity, shared by the index adapters so they agree on what "similar" means. */
public final class Cosine {
    private Cosine() {}

    /**
     * The cosine of the angle between {@code a} and {@code b}, or {@code Double.NaN} when they differ in length or
     * either is all zeros: such a pair has no angle, and NaN fails every threshold comparison.
     */
    public static double similarity(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.NaN;
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 || normB == 0) {
            return Double.NaN;
        }
        // Rounding can push identical vectors a hair past 1; callers compare against thresholds up to 1.
        return Math.max(-1, Math.min(1, dot / Math.sqrt(normA * normB)));
    }
}
