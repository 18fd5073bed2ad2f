package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void next_isReqAnd32HexDigits_andUnique() {
        RequestIds ids = new RequestIds();
        Set<String> seen = new HashSet<>();
        IntStream.range(0, 10_000).forEach(i -> seen.add(ids.next()));

        assertThat(seen).hasSize(10_000).allSatisfy(id -> assertThat(id).matches("req_[0-9a-f]{32}"));
    }

    @Test
    void twoInstancesRestoredFromOneSnapshot_differOnceReseeded() {
        // Two restores of one snapshot hold the same generator state: the same seed stands in for that here.
        RequestIds first = new RequestIds(new AtomicLong(42)::getAndIncrement);
        RequestIds second = new RequestIds(new AtomicLong(42)::getAndIncrement);
        assertThat(first.next()).isEqualTo(second.next());

        AtomicLong freshEntropy = new AtomicLong(1000);
        RequestIds restoredA = new RequestIds(new FixedThenFresh(42, freshEntropy));
        RequestIds restoredB = new RequestIds(new FixedThenFresh(42, freshEntropy));
        restoredA.reseed();
        restoredB.reseed();

        assertThat(restoredA.next()).isNotEqualTo(restoredB.next());
    }

    @Test
    void concurrentCallers_neverShareAnId() throws Exception {
        RequestIds ids = new RequestIds();
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                executor.submit(() -> IntStream.range(0, 2_000).forEach(i -> seen.add(ids.next())));
            }
        }
        assertThat(seen).hasSize(16_000);
    }

    /** The snapshot's seed first, then whatever the (fresh, per-instance) entropy source gives. */
    private static final class FixedThenFresh implements java.util.function.LongSupplier {
        private final AtomicLong fresh;
        private long first;
        private boolean used;

        FixedThenFresh(long first, AtomicLong fresh) {
            this.first = first;
            this.fresh = fresh;
        }

        @Override
        public long getAsLong() {
            if (!used) {
                used = true;
                return first;
            }
            return fresh.getAndIncrement();
        }
    }
}
