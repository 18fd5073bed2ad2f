package dev.sluice.router;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Request ids ({@code req_} and 32 hex digits) from a generator seeded by {@link SecureRandom} and seeded again
 * after every SnapStart restore. Every instance restored from one snapshot starts with the same memory, so a
 * generator seeded once at start (or {@code ThreadLocalRandom}, whose seeds derive from a value fixed when its class
 * loads) would hand every one of them the same sequence of ids.
 */
final class RequestIds {
    private static final HexFormat HEX = HexFormat.of();

    private final LongSupplier seeds;
    private SplittableRandom random;

    RequestIds() {
        this(() -> new SecureRandom().nextLong());
    }

    /** For tests: {@code seeds} stands in for {@link SecureRandom}. */
    RequestIds(LongSupplier seeds) {
        this.seeds = seeds;
        this.random = new SplittableRandom(seeds.getAsLong());
    }

    /** A new id. Synchronized: a generator's state must not be read by two threads at once, or both get one id. */
    synchronized String next() {
        return "req_" + HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }

    /** Replaces the generator with one seeded afresh; the after-restore hook calls it. */
    synchronized void reseed() {
        random = new SplittableRandom(seeds.getAsLong());
    }
}
