package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachedRouteRepositoryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final CountingRoutes table = new CountingRoutes();
    private final CachedRouteRepository cached = new CachedRouteRepository(table, Duration.ofSeconds(5), clock);

    @Test
    void find_floodOfUnknownAliases_keepsKnownRoutesCached() {
        table.put(route("gpt"));
        cached.find("gpt");
        table.reads.set(0);

        for (int i = 0; i < 20_000; i++) {
            assertThat(cached.find("typo-" + i)).isEmpty();
        }

        assertThat(table.reads).hasValue(20_000);
        table.reads.set(0);
        assertThat(cached.find("gpt")).isPresent();
        assertThat(table.reads).hasValue(0);
    }

    @Test
    void find_unknownAlias_isRememberedForTheMissTtl() {
        cached.find("later");
        table.put(route("later"));

        assertThat(cached.find("later")).isEmpty();
        clock.advance(CachedRouteRepository.MISS_TTL);
        assertThat(cached.find("later")).isPresent();
        assertThat(table.reads).hasValue(2);
    }

    @Test
    void put_throughTheCache_refreshesTheRouteAndTheList() {
        cached.put(route("a"));
        assertThat(cached.findAll()).extracting(Route::alias).containsExactly("a");

        cached.put(route("b"));

        assertThat(cached.findAll()).extracting(Route::alias).containsExactlyInAnyOrder("a", "b");
    }

    private static Route route(String alias) {
        return new Route(alias, List.of(new Deployment("demo", "demo-1", null, null, null, null)));
    }

    private static final class CountingRoutes implements RouteRepository {
        private final InMemoryRouteRepository routes = new InMemoryRouteRepository();
        private final AtomicInteger reads = new AtomicInteger();

        @Override
        public Optional<Route> find(String alias) {
            reads.incrementAndGet();
            return routes.find(alias);
        }

        @Override
        public List<Route> findAll() {
            reads.incrementAndGet();
            return routes.findAll();
        }

        @Override
        public void put(Route route) {
            routes.put(route);
        }

        @Override
        public void delete(String alias) {
            routes.delete(alias);
        }
    }
}
