package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.MutableClock;
import dev.sluice.testing.ParkedCallers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TtlCacheTest {
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration MISS_TTL = Duration.ofSeconds(1);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final AtomicInteger loads = new AtomicInteger();
    /** Knows the keys starting with "good"; everything else is a miss. */
    private final Function<String, Optional<String>> loader = key -> {
        loads.incrementAndGet();
        return key.startsWith("good") ? Optional.of("value-of-" + key) : Optional.empty();
    };

    private TtlCache<String, String> cache(int maxEntries, int maxMisses) {
        return TtlCache.create(TtlCache.Limits.of(TTL, maxEntries, MISS_TTL, maxMisses), clock);
    }

    @Test
    void get_whileFresh_loadsOnce() {
        TtlCache<String, String> cache = cache(10, 10);

        assertThat(cache.get("good-1", loader)).contains("value-of-good-1");
        clock.advance(TTL.minusMillis(1));
        assertThat(cache.get("good-1", loader)).contains("value-of-good-1");

        assertThat(loads).hasValue(1);
    }

    @Test
    void get_afterTtl_loadsAgain() {
        TtlCache<String, String> cache = cache(10, 10);
        cache.get("good-1", loader);

        clock.advance(TTL);
        cache.get("good-1", loader);

        assertThat(loads).hasValue(2);
    }

    @Test
    void get_miss_isRememberedForTheShorterMissTtlOnly() {
        TtlCache<String, String> cache = cache(10, 10);

        assertThat(cache.get("bad", loader)).isEmpty();
        clock.advance(MISS_TTL.minusMillis(1));
        assertThat(cache.get("bad", loader)).isEmpty();
        assertThat(loads).hasValue(1);

        clock.advance(Duration.ofMillis(1));
        cache.get("bad", loader);
        assertThat(loads).hasValue(2);
    }

    @Test
    void limits_missTtlLongerThanTtl_isCappedAtTtl() {
        TtlCache.Limits limits = TtlCache.Limits.of(Duration.ofMillis(200), 1, Duration.ofSeconds(5), 1);

        assertThat(limits.negativeTtl()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void get_beyondMaxEntries_evictsTheLeastRecentlyUsed() {
        TtlCache<String, String> cache = cache(3, 3);
        cache.get("good-1", loader);
        cache.get("good-2", loader);
        cache.get("good-3", loader);
        cache.get("good-1", loader); // now good-2 is the least recently used

        cache.get("good-4", loader);

        assertThat(cache.size()).isEqualTo(3);
        loads.set(0);
        cache.get("good-1", loader);
        cache.get("good-3", loader);
        cache.get("good-4", loader);
        assertThat(loads).as("the three most recently used stay").hasValue(0);
        cache.get("good-2", loader);
        assertThat(loads).as("the least recently used was dropped").hasValue(1);
    }

    @Test
    void get_floodOfMisses_neverEvictsFoundValues() {
        TtlCache<String, String> cache = cache(100, 10);
        for (int i = 0; i < 100; i++) {
            cache.get("good-" + i, loader);
        }

        for (int i = 0; i < 10_000; i++) {
            cache.get("bad-" + i, loader);
        }

        assertThat(cache.size()).isEqualTo(100);
        assertThat(cache.missSize()).isEqualTo(10);
        loads.set(0);
        for (int i = 0; i < 100; i++) {
            cache.get("good-" + i, loader);
        }
        assertThat(loads).hasValue(0);
    }

    @Test
    void get_concurrentCallersForOneMissingKey_shareOneLoad() throws Exception {
        TtlCache<String, String> cache = cache(10, 10);
        CountDownLatch release = new CountDownLatch(1);
        Function<String, Optional<String>> slowLoader = key -> {
            loads.incrementAndGet();
            await(release);
            return Optional.of("value");
        };

        List<Future<Optional<String>>> results =
                ParkedCallers.run(64, () -> cache.get("good", slowLoader), release::countDown);

        assertThat(results).allSatisfy(result -> assertThat(result.get()).contains("value"));
        assertThat(loads).hasValue(1);
    }

    @Test
    void get_whenTheSharedLoadFails_everyWaiterSeesTheFailureAndNothingIsCached() throws Exception {
        TtlCache<String, String> cache = cache(10, 10);
        CountDownLatch release = new CountDownLatch(1);
        IllegalStateException unavailable = new IllegalStateException("table unavailable");
        Function<String, Optional<String>> failing = key -> {
            loads.incrementAndGet();
            await(release);
            throw unavailable;
        };

        List<Future<Optional<String>>> results =
                ParkedCallers.run(16, () -> cache.get("good", failing), release::countDown);

        assertThat(results).allSatisfy(result -> assertThatThrownBy(result::get).hasCause(unavailable));
        assertThat(loads).hasValue(1);
        assertThat(cache.get("good", loader)).contains("value-of-good");
        assertThat(loads).as("a failed load is not cached").hasValue(2);
    }

    @Test
    void invalidate_duringALoad_keepsTheLoadedValueOutOfTheCache() {
        TtlCache<String, String> cache = cache(10, 10);
        Function<String, Optional<String>> racing = key -> {
            loads.incrementAndGet();
            cache.invalidate(key); // a put() landing while the old value is being read
            return Optional.of("old");
        };

        assertThat(cache.get("good", racing)).contains("old");

        assertThat(cache.get("good", loader)).contains("value-of-good");
        assertThat(loads).hasValue(2);
    }

    @Test
    void invalidate_forgetsFoundAndMissing() {
        TtlCache<String, String> cache = cache(10, 10);
        cache.get("good", loader);
        cache.get("bad", loader);

        cache.invalidate("good");
        cache.invalidate("bad");
        cache.get("good", loader);
        cache.get("bad", loader);

        assertThat(loads).hasValue(4);
    }

    @Test
    void get_withZeroTtl_alwaysLoads() {
        TtlCache<String, String> cache = TtlCache.create(TtlCache.Limits.of(Duration.ZERO, 1, MISS_TTL, 1), clock);

        cache.get("good", loader);
        cache.get("good", loader);

        assertThat(loads).hasValue(2);
        assertThat(cache.size()).isZero();
    }

    @Test
    void get_manyVirtualThreadsOverManyKeys_staysWithinBoundsAndLoadsEachKeyOncePerTtl() throws Exception {
        TtlCache<String, String> cache = cache(50, 20);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 200; t++) {
                int seed = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        String key = (i % 2 == 0 ? "good-" : "bad-") + ((seed + i / 2) % 20);
                        Optional<String> value = cache.get(key, loader);
                        assertThat(value.isPresent()).isEqualTo(key.startsWith("good"));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(cache.size()).isLessThanOrEqualTo(50);
        assertThat(cache.missSize()).isLessThanOrEqualTo(20);
        assertThat(loads.get())
                .as("20 good and 20 bad keys, all fitting, clock standing still")
                .isEqualTo(40);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
