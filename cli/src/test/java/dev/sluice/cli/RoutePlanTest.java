package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRule;
import dev.sluice.route.RoutingStrategy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The plan {@code routes apply} prints and follows, computed without a table. */
class RoutePlanTest {
    private static final Deployment OPENAI =
            new Deployment("openai", "gpt-4o-mini", null, "openai", Pricing.FREE, null);
    private static final Deployment GEMINI =
            new Deployment("gemini", "gemini-2.5-flash", null, "gemini", Pricing.FREE, null);
    private static final Deployment DEMO = new Deployment("demo", "demo", null, null, Pricing.FREE, null);

    private static Route route(String alias, Deployment... deployments) {
        return new Route(alias, List.of(deployments));
    }

    private static RouteRule tagRule(String target, String tag) {
        return new RouteRule(target, null, null, null, null, null, Set.of(tag), Set.of());
    }

    @Test
    void of_sortsAliasesIntoAddedChangedUnchanged_andKeepsTheRestWithoutPrune() {
        Route same = route("same", DEMO);
        Route before = route("chat", OPENAI, GEMINI);
        Route after = new Route(
                "chat",
                List.of(OPENAI, GEMINI.withPlacement(3, 0)),
                RetryPolicy.DEFAULT,
                RoutingStrategy.WEIGHTED,
                List.of(),
                null);

        RoutePlan plan = RoutePlan.of(
                List.of(route("new", DEMO), after, same), List.of(before, same, route("old", DEMO)), false);

        assertThat(plan.changes())
                .extracting(c -> c.kind().mark + " " + c.route().alias())
                .containsExactly("+ new", "~ chat", "= same");
        assertThat(plan.changes().get(1).details())
                .containsExactly("strategy: priority → weighted", "deployments[1].weight: 1 → 3");
        assertThat(plan.kept()).containsExactly("old");
        assertThat(plan.removals()).isEmpty();
        assertThat(plan.writes()).extracting(Route::alias).containsExactly("new", "chat");
    }

    @Test
    void of_namesAGuardChange_includingItsBedrockGuardrail() {
        Route before = route("chat", DEMO);
        Route after = new Route(
                "chat",
                List.of(DEMO),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(),
                null,
                CachePolicy.DEFAULT,
                GuardPolicy.of(GuardPolicy.Mode.REDACT, List.of(), new BedrockGuardrail("gr1abc", "2", null)));

        RoutePlan plan = RoutePlan.of(List.of(after), List.of(before), false);

        assertThat(plan.changes().getFirst().details())
                .containsExactly("guard.pii: off → redact", "guard.bedrockGuardrail: - → gr1abc:2");
    }

    @Test
    void of_withPrune_removesAliasesTheFileLacks() {
        RoutePlan plan = RoutePlan.of(List.of(route("a", DEMO)), List.of(route("a", DEMO), route("b", DEMO)), true);

        assertThat(plan.removals()).containsExactly("b");
        assertThat(plan.kept()).isEmpty();
        assertThat(plan.count(RoutePlan.Kind.UNCHANGED)).isEqualTo(1);
    }

    @Test
    void of_refusesARuleTargetThatWillNotExist() {
        Route withRule = new Route("a", List.of(DEMO), null, null, List.of(tagRule("cheap", "batch")), null);

        assertThatThrownBy(() -> RoutePlan.of(List.of(withRule), List.of(), false))
                .isInstanceOf(UsageError.class)
                .hasMessage("routes[0].rules[0]: target 'cheap' is no alias in the file or the table");
        // In the table, it is fine without --prune; with --prune the table's alias is about to go.
        RoutePlan kept = RoutePlan.of(List.of(withRule), List.of(route("cheap", DEMO)), false);
        assertThat(kept.kept()).containsExactly("cheap");
        assertThatThrownBy(() -> RoutePlan.of(List.of(withRule), List.of(route("cheap", DEMO)), true))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("--prune");
    }

    @Test
    void of_refusesAContextFallbackThatWillNotExist() {
        Route withFallback = new Route("a", List.of(DEMO), null, null, List.of(), "long");

        assertThatThrownBy(() -> RoutePlan.of(List.of(withFallback), List.of(), false))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("routes[0].contextFallback: 'long'");
    }

    @Test
    void writes_putRuleTargetsBeforeTheRoutesThatNameThem() {
        Route withRule = new Route("a", List.of(DEMO), null, null, List.of(tagRule("cheap", "batch")), null);

        RoutePlan plan = RoutePlan.of(List.of(withRule, route("cheap", DEMO)), List.of(), false);

        assertThat(plan.writes()).extracting(Route::alias).containsExactly("cheap", "a");
    }

    @Test
    void differences_matchDeploymentsByEndpoint_notPosition() {
        Deployment slower = new Deployment(
                "gemini", "gemini-2.5-flash", null, "gemini", new Pricing(300_000, 0, 0), Duration.ofSeconds(90));

        List<String> lines = RoutePlan.differences(route("chat", OPENAI, GEMINI), route("chat", DEMO, slower));

        assertThat(lines)
                .containsExactly(
                        "deployments[0] added: demo/demo (weight 1, priority 0)",
                        "deployments[1].timeouts.firstByteSeconds: 60 → 90",
                        "deployments[1].pricing.inputUsdPer1M: $0.00 → $0.30",
                        "deployments removed: openai/gpt-4o-mini (weight 1, priority 0)");
    }

    @Test
    void differences_showRulesRetriesAndFallback() {
        Route before = route("chat", DEMO);
        Route after = new Route(
                "chat",
                List.of(DEMO),
                new RetryPolicy(
                        2,
                        Duration.ofMillis(200),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(90)),
                null,
                List.of(tagRule("cheap", "batch")),
                "long");

        assertThat(RoutePlan.differences(before, after))
                .containsExactly(
                        "retries.attemptsPerDeployment: 1 → 2",
                        "retries.deadlineSeconds: 120 → 90",
                        "rules[0]: - → cheap when tag batch",
                        "contextFallback: - → long");
    }

    @Test
    void differences_showAReorderOfTheSameDeployments() {
        assertThat(RoutePlan.differences(route("chat", OPENAI, GEMINI), route("chat", GEMINI, OPENAI)))
                .containsExactly(
                        "deployments order: openai/gpt-4o-mini, gemini/gemini-2.5-flash → gemini/gemini-2.5-flash, "
                                + "openai/gpt-4o-mini");
    }
}
