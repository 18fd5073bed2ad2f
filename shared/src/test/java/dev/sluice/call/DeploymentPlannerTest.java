package dev.sluice.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.health.BreakerPolicy;
import dev.sluice.health.BreakerState;
import dev.sluice.health.DeploymentHealth;
import dev.sluice.health.HealthBoard;
import dev.sluice.health.InMemoryHealthStore;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RequestTraits;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RoutingStrategy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeploymentPlannerTest {
    private static final RequestTraits PROMPT = RequestTraits.ofPrompt(1_000, "t");

    private final HealthOfFixedFigures health = new HealthOfFixedFigures();

    private static Deployment deployment(String model) {
        return new Deployment("openai", model, null, null, null, null);
    }

    private static Route route(RoutingStrategy strategy, Deployment... deployments) {
        return new Route("alias", List.of(deployments), RetryPolicy.DEFAULT, strategy, List.of(), null);
    }

    private DeploymentPlanner.Plan plan(Route route, long seed) {
        return new DeploymentPlanner(health, new Random(seed)).plan(route, PROMPT, -1);
    }

    @Test
    void priority_keepsTheListedOrderWithinAGroup_andLowerGroupsFirst() {
        Deployment a = deployment("a").withPlacement(1, 1);
        Deployment b = deployment("b").withPlacement(1, 0);
        Deployment c = deployment("c").withPlacement(1, 1);

        DeploymentPlanner.Plan plan = plan(route(RoutingStrategy.PRIORITY, a, b, c), 1);

        assertThat(plan.order()).containsExactly(b, a, c);
        assertThat(plan.reason()).isEqualTo("priority: openai/b (first available)");
    }

    @Test
    void everyStrategy_skipsOpenBreakers_andSaysSo() {
        Deployment a = deployment("a");
        Deployment b = deployment("b");
        health.open.add(a);

        for (RoutingStrategy strategy : RoutingStrategy.values()) {
            DeploymentPlanner.Plan plan = plan(route(strategy, a, b), 7);
            assertThat(plan.order()).as(strategy.wireName()).containsExactly(b);
            assertThat(plan.skippedOpen()).containsExactly(a);
            assertThat(plan.reason()).endsWith("; skipped open openai/a");
        }
    }

    @Test
    void everyBreakerOpen_leavesNothingToTry() {
        Deployment a = deployment("a");
        health.open.add(a);

        assertThat(plan(route(RoutingStrategy.PRIORITY, a), 1).order()).isEmpty();
        assertThat(plan(route(RoutingStrategy.WEIGHTED, a, a), 1).order()).isEmpty();
    }

    @Test
    void weighted_firstChoicesFollowTheWeights_withinFiveStandardDeviationsOver2000Requests() {
        Deployment heavy = deployment("heavy").withPlacement(3, 0);
        Deployment light = deployment("light").withPlacement(1, 0);
        Route route = route(RoutingStrategy.WEIGHTED, heavy, light);
        DeploymentPlanner planner = new DeploymentPlanner(health, new Random(42));

        int heavyFirst = 0;
        for (int i = 0; i < 2_000; i++) {
            DeploymentPlanner.Plan plan = planner.plan(route, PROMPT, -1);
            assertThat(plan.order()).containsExactlyInAnyOrder(heavy, light); // the other one stays as the fallback
            if (plan.order().getFirst() == heavy) {
                heavyFirst++;
            }
        }
        // Binomial(2000, 0.75): mean 1500, standard deviation 19.4.
        assertThat(heavyFirst).isBetween(1_403, 1_597);
    }

    @Test
    void weighted_zeroWeightServesOnlyAsTheLastResort() {
        Deployment main = deployment("main").withPlacement(1, 0);
        Deployment spare = deployment("spare").withPlacement(0, 0);
        DeploymentPlanner planner = new DeploymentPlanner(health, new Random(3));

        for (int i = 0; i < 200; i++) {
            assertThat(planner.plan(route(RoutingStrategy.WEIGHTED, spare, main), PROMPT, -1)
                            .order())
                    .containsExactly(main, spare);
        }
    }

    @Test
    void latency_prefersTheLowerExpectedTimeToFirstByte_andExploresAFewPercent() {
        Deployment slow = deployment("slow");
        Deployment fast = deployment("fast");
        health.ttft.put(slow, 500.0);
        health.ttft.put(fast, 100.0);
        DeploymentPlanner planner = new DeploymentPlanner(health, new Random(11));

        int fastFirst = 0;
        for (int i = 0; i < 2_000; i++) {
            if (planner.plan(route(RoutingStrategy.LATENCY, slow, fast), PROMPT, -1)
                            .order()
                            .getFirst()
                    == fast) {
                fastFirst++;
            }
        }
        // Exploration puts the other one first 2% of the time: about 98% fast (standard deviation 6.3).
        assertThat(fastFirst).isBetween(1_920, 1_995);
    }

    @Test
    void latency_countsErrorsAgainstADeployment() {
        Deployment flaky = deployment("flaky");
        Deployment steady = deployment("steady");
        health.ttft.put(flaky, 100.0);
        health.errorRate.put(flaky, 0.8); // 100 ms at 80% failures: 500 ms expected
        health.ttft.put(steady, 200.0);

        DeploymentPlanner.Plan plan = new DeploymentPlanner(health, new Random(1) {
                    @Override
                    public double nextDouble() {
                        return 0.99; // never explore
                    }
                })
                .plan(route(RoutingStrategy.LATENCY, flaky, steady), PROMPT, -1);

        assertThat(plan.order()).containsExactly(steady, flaky);
        assertThat(plan.reason()).isEqualTo("latency: openai/steady (fastest, expected 200 ms)");
    }

    @Test
    void latency_triesAnUnmeasuredDeploymentFirst() {
        Deployment known = deployment("known");
        Deployment fresh = deployment("fresh");
        health.ttft.put(known, 50.0);

        DeploymentPlanner.Plan plan = new DeploymentPlanner(health, new Random(1) {
                    @Override
                    public double nextDouble() {
                        return 0.99;
                    }
                })
                .plan(route(RoutingStrategy.LATENCY, known, fresh), PROMPT, -1);

        assertThat(plan.order().getFirst()).isEqualTo(fresh);
        assertThat(plan.reason()).contains("not yet measured");
    }

    @Test
    void latency_withManyDeployments_spreadsByPowerOfTwoChoicesInsteadOfHerding() {
        Deployment[] all = new Deployment[4];
        for (int i = 0; i < all.length; i++) {
            all[i] = deployment("d" + i);
            health.ttft.put(all[i], 100.0 + i * 10); // d0 best, d3 worst
        }
        DeploymentPlanner planner = new DeploymentPlanner(health, new Random(5));
        Map<Deployment, Integer> first = new HashMap<>();
        for (int i = 0; i < 4_000; i++) {
            first.merge(
                    planner.plan(route(RoutingStrategy.LATENCY, all), PROMPT, -1)
                            .order()
                            .getFirst(),
                    1,
                    Integer::sum);
        }
        // Better of two random picks: d0 wins whenever drawn (1/2), d1 unless paired with d0 (1/3), d2 1/6, d3 never;
        // 2% explore among d1..d3 instead. Expected: 1960, 1333, 680, 27.
        assertThat(first.get(all[0])).isBetween(1_820, 2_100);
        assertThat(first.get(all[1])).isBetween(1_180, 1_480);
        assertThat(first.get(all[2])).isBetween(560, 800);
        assertThat(first.getOrDefault(all[3], 0)).isBetween(5, 60);
    }

    @Test
    void cost_choosesTheCheapestForTheEstimatedTokens() {
        // Cheap input, dear output vs. the reverse: which is cheaper depends on the request's shape.
        Deployment cheapInput =
                new Deployment("openai", "cheap-in", null, null, new Pricing(100_000, 4_000_000, 0), null);
        Deployment cheapOutput =
                new Deployment("openai", "cheap-out", null, null, new Pricing(1_000_000, 500_000, 0), null);
        Route route = route(RoutingStrategy.COST, cheapInput, cheapOutput);
        DeploymentPlanner planner = new DeploymentPlanner(health, new Random(1));

        DeploymentPlanner.Plan longPrompt = planner.plan(route, RequestTraits.ofPrompt(50_000, "t"), 100);
        DeploymentPlanner.Plan longAnswer = planner.plan(route, RequestTraits.ofPrompt(100, "t"), 4_000);

        assertThat(longPrompt.order()).containsExactly(cheapInput, cheapOutput);
        assertThat(longPrompt.reason()).isEqualTo("cost: openai/cheap-in (est. $0.005400 for 50000+100 tokens)");
        assertThat(longAnswer.order()).containsExactly(cheapOutput, cheapInput);
    }

    @Test
    void latency_withARealBoard_movesTrafficToAFiveTimesFasterDeploymentWithin200Requests_andBackWhenItRecovers() {
        Deployment a = deployment("a");
        Deployment b = deployment("b");
        AtomicLong clock = new AtomicLong(1_800_000_000_000L);
        HealthBoard board = new HealthBoard(new InMemoryHealthStore(), BreakerPolicy.DEFAULT, clock::get);
        DeploymentPlanner planner = new DeploymentPlanner(board, new Random(2024), clock::get);
        Route route = route(RoutingStrategy.LATENCY, a, b);
        Map<Deployment, Long> ttftMillis = new HashMap<>(Map.of(a, 250L, b, 50L));

        int toB = 0;
        for (int i = 0; i < 200; i++) {
            Deployment chosen = planner.plan(route, PROMPT, -1).order().getFirst();
            clock.addAndGet(ttftMillis.get(chosen) + 20); // one request after another
            board.onSuccess(chosen, ttftMillis.get(chosen) * 1_000_000);
            toB += chosen == b ? 1 : 0;
        }
        assertThat(toB).isGreaterThanOrEqualTo(180);

        ttftMillis.put(a, 50L); // a recovers, b slows down
        ttftMillis.put(b, 250L);
        int toALastHundred = 0;
        for (int i = 0; i < 200; i++) {
            Deployment chosen = planner.plan(route, PROMPT, -1).order().getFirst();
            clock.addAndGet(ttftMillis.get(chosen) + 20);
            board.onSuccess(chosen, ttftMillis.get(chosen) * 1_000_000);
            toALastHundred += i >= 100 && chosen == a ? 1 : 0;
        }
        // a's stale average is re-measured within a second of b's turning slow; then a has about 98% again.
        assertThat(toALastHundred).isGreaterThanOrEqualTo(90);
    }

    @Test
    void latency_reMeasuresAStaleAverageBesideAFreshOne() {
        Deployment stale = deployment("stale");
        Deployment fresh = deployment("fresh");
        health.ttft.put(stale, 500.0);
        health.ttft.put(fresh, 100.0);
        health.timedAt.put(stale, System.currentTimeMillis() - 5_000);

        DeploymentPlanner.Plan plan = new DeploymentPlanner(health, new Random(1))
                .plan(route(RoutingStrategy.LATENCY, fresh, stale), PROMPT, -1);

        assertThat(plan.order().getFirst()).isEqualTo(stale);
        assertThat(plan.reason()).contains("re-measuring");
    }

    /** A stand-in health with figures set by the test: the real board's averages need many samples to move. */
    private static final class HealthOfFixedFigures implements DeploymentHealth {
        final Set<Deployment> open = new HashSet<>();
        final Map<Deployment, Double> ttft = new HashMap<>();
        final Map<Deployment, Double> errorRate = new HashMap<>();
        final Map<Deployment, Long> timedAt = new HashMap<>();

        @Override
        public boolean available(Deployment deployment) {
            return !open.contains(deployment);
        }

        @Override
        public boolean tryAcquire(Deployment deployment) {
            return available(deployment);
        }

        @Override
        public void onSuccess(Deployment deployment, long ttftNanos) {}

        @Override
        public void onFailure(Deployment deployment, String errorCode) {}

        @Override
        public void onNoVerdict(Deployment deployment) {}

        @Override
        public Snapshot snapshot(Deployment deployment) {
            return new Snapshot(
                    open.contains(deployment) ? BreakerState.OPEN : BreakerState.CLOSED,
                    ttft.getOrDefault(deployment, -1.0),
                    errorRate.getOrDefault(deployment, 0.0),
                    0,
                    0,
                    ttft.containsKey(deployment) ? timedAt.getOrDefault(deployment, System.currentTimeMillis()) : 0);
        }
    }
}
