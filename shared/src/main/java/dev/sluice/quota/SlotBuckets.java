package dev.sluice.quota;

import java.time.Duration;
import java.time.Instant;

/**
 * Concurrency slots are counted per start bucket ({@value #SECONDS} s), not per request: a scope keeps a total and one
 * small counter per bucket still in play, so its item stays the same size however many requests are in flight. A
 * request that ends takes its slot back from its bucket. A request that never ends (a crashed instance) is forgotten
 * with its bucket: once every request that started in a bucket must have ended (its end plus the maximum request
 * duration), the bucket's count leaves the total. So a crashed slot comes back within the maximum request duration
 * plus one bucket.
 */
public final class SlotBuckets {
    public static final long SECONDS = 30;

    private SlotBuckets() {}

    public static long bucketAt(Instant now) {
        return Math.floorDiv(now.getEpochSecond(), SECONDS);
    }

    /** True once no request that started in {@code bucket} can still be running. */
    public static boolean isAged(long bucket, Instant now, Duration maxRequestDuration) {
        return now.getEpochSecond() >= (bucket + 1) * SECONDS + maxRequestDuration.toSeconds();
    }
}
