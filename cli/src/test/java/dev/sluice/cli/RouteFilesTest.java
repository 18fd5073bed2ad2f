package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRule;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.router.GatewayWiring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The route examples the README points at are valid and name providers the gateway ships. */
class RouteFilesTest {

    @Test
    void everyExampleRoute_parses_andNamesAShippedProvider() throws IOException {
        ProviderRegistry registry = new ProviderRegistry(
                GatewayWiring.providers(Duration.ofSeconds(1), Duration.ZERO, "us-east-1", Clock.systemUTC()));
        List<Path> files;
        try (Stream<Path> listing = Files.list(Path.of("routes"))) {
            files = listing.filter(p -> p.toString().matches(".*\\.(json|yaml|yml)$"))
                    .sorted()
                    .toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(17);
        for (Path file : files) {
            List<Route> routes = RouteFiles.readAll(file);
            // Self-consistent: applied alone to an empty table with --prune, every target is in the file.
            assertThatCode(() -> RoutePlan.of(routes, List.of(), true))
                    .as(file.toString())
                    .doesNotThrowAnyException();
            routes.forEach(route -> route.deployments()
                    .forEach(d ->
                            assertThat(registry.chatTypes()).as(file.toString()).contains(d.provider())));
        }
        assertThat(RouteFiles.readAll(Path.of("routes/priority.yaml"))
                        .getFirst()
                        .strategy())
                .isEqualTo(RoutingStrategy.PRIORITY);
        assertThat(RouteFiles.readAll(Path.of("routes/weighted.yaml"))
                        .getFirst()
                        .strategy())
                .isEqualTo(RoutingStrategy.WEIGHTED);
        assertThat(RouteFiles.readAll(Path.of("routes/latency.yaml")).getFirst().strategy())
                .isEqualTo(RoutingStrategy.LATENCY);
        assertThat(RouteFiles.readAll(Path.of("routes/cost.yaml")).getFirst().strategy())
                .isEqualTo(RoutingStrategy.COST);
        assertThat(RouteFiles.readAll(Path.of("routes/rules.yaml")))
                .extracting(Route::alias)
                .containsExactly("assistant", "long-context", "vision", "cheap");
        Route anthropic = RouteFiles.read(Path.of("routes/anthropic.json"));
        assertThat(anthropic.deployments()).hasSize(2);
        assertThat(anthropic.primary().pricing().inputPerMillion()).isEqualTo(3_000_000);
        assertThat(anthropic.primary().pricing().cachedInputPerMillion()).isEqualTo(300_000);
        assertThat(anthropic.deployments().get(1).option("region", null)).isEqualTo("us-east-1");
        assertThat(anthropic.primary().idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(anthropic.retries().attemptsPerDeployment()).isEqualTo(2);
        assertThat(anthropic.retries().deadline()).isEqualTo(java.time.Duration.ofSeconds(90));
    }

    @Test
    void aRouteWithoutDeployments_isAUsageError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"alias\":\"x\",\"deployments\":[]}");
        assertThatThrownBy(() -> RouteFiles.read(file))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("deployments");
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aYamlRoutingFile_readsEveryNewField(@TempDir Path dir) throws IOException {
        Path file = write(dir, "routing.yml", """
                routes:
                  - alias: chat
                    strategy: weighted
                    contextFallback: long
                    rules:
                      - target: long
                        minPromptTokens: 1000
                        maxPromptTokens: 900000
                        images: false
                        tools: true
                        jsonMode: true
                        anyTag: [batch, nightly]
                        tenants: [acme]
                    deployments:
                      - {provider: openai, model: gpt-4o-mini, weight: 3, priority: 1,
                         timeouts: {firstByteSeconds: 20, idleSeconds: 15}}
                      - {provider: demo, model: demo}
                  - alias: long
                    deployments: [{provider: gemini, model: gemini-2.5-flash, timeoutSeconds: 90}]
                """);

        List<Route> routes = RouteFiles.readAll(file);

        assertThat(routes).hasSize(2);
        Route chat = routes.getFirst();
        assertThat(chat.strategy()).isEqualTo(RoutingStrategy.WEIGHTED);
        assertThat(chat.contextFallback()).isEqualTo("long");
        assertThat(chat.rules())
                .containsExactly(new RouteRule(
                        "long", 1000L, 900_000L, false, true, true, Set.of("batch", "nightly"), Set.of("acme")));
        Deployment first = chat.primary();
        assertThat(first.weight()).isEqualTo(3);
        assertThat(first.priority()).isEqualTo(1);
        assertThat(first.timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(first.idleTimeout()).isEqualTo(Duration.ofSeconds(15));
        Deployment second = chat.deployments().get(1);
        assertThat(second.weight()).isEqualTo(1);
        assertThat(second.priority()).isZero();
        assertThat(routes.get(1).primary().timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(routes.get(1).strategy()).isEqualTo(RoutingStrategy.PRIORITY);
    }

    @Test
    void aJsonRoutingFile_readsTheSameAsYaml(@TempDir Path dir) throws IOException {
        Path json = write(dir, "r.json", """
                {"routes": [{"alias": "a", "strategy": "cost", "deployments": [
                  {"provider": "demo", "model": "demo", "weight": 2}]}]}
                """);
        Path yaml = write(dir, "r.yaml", """
                routes:
                  - {alias: a, strategy: cost, deployments: [{provider: demo, model: demo, weight: 2}]}
                """);

        assertThat(RouteFiles.readAll(json)).isEqualTo(RouteFiles.readAll(yaml));
    }

    @Test
    void aGuardWithABedrockGuardrail_readsFromYaml(@TempDir Path dir) throws IOException {
        Path file = write(dir, "guarded.yaml", """
                routes:
                  - alias: a
                    guard:
                      pii: redact
                      deny: ["project\\\\s+falcon"]
                      bedrockGuardrail: {id: gr1abc, version: 4, region: eu-west-1}
                    deployments: [{provider: demo, model: demo}]
                  - alias: b
                    guard: {bedrockGuardrail: {id: gr1abc, version: DRAFT}}
                    deployments: [{provider: demo, model: demo}]
                """);

        List<Route> routes = RouteFiles.readAll(file);

        assertThat(routes.get(0).guard())
                .isEqualTo(GuardPolicy.of(
                        GuardPolicy.Mode.REDACT,
                        List.of("project\\s+falcon"),
                        new BedrockGuardrail("gr1abc", "4", "eu-west-1")));
        assertThat(routes.get(1).guard())
                .isEqualTo(
                        GuardPolicy.of(GuardPolicy.Mode.OFF, List.of(), new BedrockGuardrail("gr1abc", "DRAFT", null)));
    }

    @Test
    void routesPutFile_refusesARoutingFileWithSeveralRoutes(@TempDir Path dir) throws IOException {
        Path file = write(dir, "two.yaml", """
                routes:
                  - {alias: a, deployments: [{provider: demo, model: demo}]}
                  - {alias: b, deployments: [{provider: demo, model: demo}]}
                """);

        assertThatThrownBy(() -> RouteFiles.read(file))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("2 routes")
                .hasMessageContaining("routes apply");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            misspelled deployment field | deployments: [{provider: demo, model: demo}, {provider: demo, model: x, wieght: 2}] | routes[0].deployments[1]: unknown field 'wieght'
            misspelled route field      | strategi: cost\\n    deployments: [{provider: demo, model: demo}] | routes[0]: unknown field 'strategi'
            misspelled rule field       | rules: [{target: b, minTokens: 5}]\\n    deployments: [{provider: demo, model: demo}] | routes[0].rules[0]: unknown field 'minTokens'
            misspelled timeout field    | deployments: [{provider: demo, model: demo, timeouts: {firstByte: 5}}] | routes[0].deployments[0].timeouts: unknown field 'firstByte'
            bad strategy                | strategy: fastest\\n    deployments: [{provider: demo, model: demo}] | routes[0]: unknown strategy 'fastest'
            rule without condition      | rules: [{target: b}]\\n    deployments: [{provider: demo, model: demo}] | routes[0].rules[0]: a rule to 'b' needs at least one condition
            self-targeting rule         | rules: [{target: a, images: true}]\\n    deployments: [{provider: demo, model: demo}] | routes[0]: a rule of 'a' cannot send requests to itself
            own context fallback        | contextFallback: a\\n    deployments: [{provider: demo, model: demo}] | routes[0]: 'a' cannot be its own contextFallback
            negative weight             | deployments: [{provider: demo, model: demo, weight: -1}] | routes[0].deployments[0]: weight must be 0 to 1000000
            weight not a number         | deployments: [{provider: demo, model: demo, weight: heavy}] | routes[0].deployments[0].weight must be a whole number
            fractional priority         | deployments: [{provider: demo, model: demo, priority: 1.5}] | routes[0].deployments[0].priority must be a whole number
            both timeout spellings      | deployments: [{provider: demo, model: demo, timeoutSeconds: 5, timeouts: {firstByteSeconds: 5}}] | routes[0].deployments[0]: give timeoutSeconds or timeouts.firstByteSeconds, not both
            images not a boolean        | rules: [{target: b, images: yes please}]\\n    deployments: [{provider: demo, model: demo}] | routes[0].rules[0].images must be true or false
            misspelled guardrail field  | guard: {bedrockGuardrail: {id: gr1, versoin: 1}}\\n    deployments: [{provider: demo, model: demo}] | routes[0].guard.bedrockGuardrail: unknown field 'versoin'
            guardrail without version   | guard: {bedrockGuardrail: {id: gr1}}\\n    deployments: [{provider: demo, model: demo}] | routes[0].guard.bedrockGuardrail needs 'version'
            bad guardrail version       | guard: {bedrockGuardrail: {id: gr1, version: latest}}\\n    deployments: [{provider: demo, model: demo}] | version 'latest' must be a version number or DRAFT
            tags not a list             | rules: [{target: b, anyTag: batch}]\\n    deployments: [{provider: demo, model: demo}] | routes[0].rules[0].anyTag must be a list of strings
            """)
    void anInvalidRoute_isAUsageErrorNamingThePath(String what, String routeBody, String message, @TempDir Path dir)
            throws IOException {
        Path file = write(dir, "bad.yaml", "routes:\n  - alias: a\n    " + routeBody.replace("\\n", "\n") + "\n");

        assertThatThrownBy(() -> RouteFiles.readAll(file))
                .as(what)
                .isInstanceOf(UsageError.class)
                .hasMessageContaining(message);
    }

    @Test
    void aDuplicateAlias_isAUsageErrorNamingBothPlaces(@TempDir Path dir) throws IOException {
        Path file = write(dir, "dup.yaml", """
                routes:
                  - {alias: a, deployments: [{provider: demo, model: demo}]}
                  - {alias: b, deployments: [{provider: demo, model: demo}]}
                  - {alias: a, deployments: [{provider: demo, model: other}]}
                """);

        assertThatThrownBy(() -> RouteFiles.readAll(file))
                .isInstanceOf(UsageError.class)
                .hasMessage("routes[2]: alias 'a' is already defined at routes[0]");
    }

    @Test
    void aSingleRouteFile_namesDeploymentsWithoutARoutesPrefix(@TempDir Path dir) throws IOException {
        Path file = write(dir, "one.json", """
                {"alias": "a", "deployments": [{"provider": "demo", "model": "demo", "wieght": 2}]}
                """);

        assertThatThrownBy(() -> RouteFiles.read(file))
                .isInstanceOf(UsageError.class)
                .hasMessageStartingWith("deployments[0]: unknown field 'wieght'");
    }
}
