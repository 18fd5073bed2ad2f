package dev.sluice.bench;

import java.util.Arrays;

/** Durations in nanoseconds, with nearest-rank percentiles. Not thread-safe: one per client thread, then merged. */
final class Samples {
    private long[] values;
    private int count;

    Samples(int expected) {
        values = new long[Math.max(16, expected)];
    }

    void add(long nanos) {
        if (count == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[count++] = nanos;
    }

    void addAll(Samples other) {
        for (int i = 0; i < other.count; i++) {
            add(other.values[i]);
        }
    }

    int count() {
        return count;
    }

    /** p50, p90, p99 in one sort. */
    Percentiles percentiles() {
        if (count == 0) {
            return new Percentiles(-1, -1, -1, 0);
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return new Percentiles(rank(sorted, 50), rank(sorted, 90), rank(sorted, 99), count);
    }

    private static long rank(long[] sorted, double percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** Nearest-rank percentiles in nanoseconds; -1 when there were no samples. */
    record Percentiles(long p50, long p90, long p99, int count) {
        long get(int percent) {
            return switch (percent) {
                case 50 -> p50;
                case 90 -> p90;
                case 99 -> p99;
                default -> throw new IllegalArgumentException("p" + percent + " is not kept");
            };
        }
    }
}
