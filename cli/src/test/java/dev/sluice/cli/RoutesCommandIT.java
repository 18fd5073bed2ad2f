package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditQuery;
import dev.sluice.health.BreakerState;
import dev.sluice.health.HealthStore;
import dev.sluice.health.SharedHealth;
import dev.sluice.json.Json;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbAuditLog;
import dev.sluice.store.DynamoDbHealthStore;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code routes apply} and {@code routes health} against DynamoDB Local, the routes read back through the repository. */
class RoutesCommandIT {
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final String NL = System.lineSeparator();

    private final LocalDynamoDb engine = LocalDynamoDb.shared();
    private HealthStore health;
    private DynamoDbClient dynamo;
    private Map<String, String> env;
    private DynamoDbRouteRepository routes;
    private DynamoDbAuditLog audit;
    private Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @BeforeEach
    void createTables() {
        dynamo = engine.newClient();
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("cliroutes") + "-");
        SluiceTables.createAll(dynamo, tables);
        env = Map.of(
                "SLUICE_KEYS_TABLE", tables.keys(),
                "SLUICE_TENANTS_TABLE", tables.tenants(),
                "SLUICE_ROUTES_TABLE", tables.routes(),
                "SLUICE_USAGE_TABLE", tables.usage(),
                "SLUICE_COUNTERS_TABLE", tables.counters(),
                "SLUICE_AUDIT_TABLE", tables.audit());
        routes = new DynamoDbRouteRepository(dynamo, tables.routes());
        audit = new DynamoDbAuditLog(dynamo, tables.audit());
        health = new DynamoDbHealthStore(dynamo, tables.counters()); // what the gateway's breakers write
    }

    @AfterEach
    void closeClient() {
        dynamo.close();
    }

    private CliRun gatewayctl(String... words) {
        return CliRun.of(env, clock, words);
    }

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("routing.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String chatWithWeight(int weight) {
        return """
                routes:
                  - alias: chat
                    strategy: weighted
                    deployments:
                      - {provider: openai, model: gpt-4o-mini, secretRef: openai}
                      - {provider: gemini, model: gemini-2.5-flash, secretRef: gemini, weight: %d}
                  - alias: demo
                    deployments: [{provider: demo, model: demo}]
                """.formatted(weight);
    }

    @Test
    void apply_theRulesExample_addsEveryRoute_thenReportsThemUnchanged() {
        CliRun first = gatewayctl("routes", "apply", "-f", "routes/rules.yaml");

        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.out())
                .isEqualTo("+ assistant" + NL + "+ long-context" + NL + "+ vision" + NL + "+ cheap" + NL
                        + "applied: 4 added, 0 changed, 0 removed, 0 unchanged" + NL);
        assertThat(routes.findAll())
                .extracting(Route::alias)
                .containsExactly("assistant", "cheap", "long-context", "vision");
        assertThat(routes.find("assistant"))
                .hasValue(RouteFiles.readAll(Path.of("routes/rules.yaml")).getFirst());

        CliRun second = gatewayctl("routes", "apply", "--file", "routes/rules.yaml");

        assertThat(second.status()).as(second.err()).isZero();
        assertThat(second.out())
                .isEqualTo("= assistant" + NL + "= long-context" + NL + "= vision" + NL + "= cheap" + NL
                        + "applied: 0 added, 0 changed, 0 removed, 4 unchanged" + NL);
    }

    @Test
    void apply_recordsOneAuditEntryPerRouteChanged_andNoneForUnchangedRoutesOrADryRun() throws Exception {
        MutableClock moving = new MutableClock(Instant.now()); // DynamoDB Local deletes entries whose TTL has passed
        clock = moving;
        Instant start = moving.instant();
        gatewayctl("routes", "apply", "-f", file(chatWithWeight(1)).toString());
        moving.advance(Duration.ofSeconds(1));
        gatewayctl("routes", "apply", "-f", file(chatWithWeight(3)).toString(), "--dry-run");
        moving.advance(Duration.ofSeconds(1));
        CliRun applied = gatewayctl(
                "routes", "apply", "-f", file(chatWithWeight(3)).toString(), "--prune"); // chat changes, demo stays
        moving.advance(Duration.ofSeconds(1));
        CliRun pruned =
                gatewayctl("routes", "apply", "-f", file("""
                alias: demo
                deployments: [{provider: demo, model: demo}]
                """).toString(), "--prune"); // demo unchanged, chat removed

        assertThat(applied.status()).as(applied.err()).isZero();
        assertThat(pruned.status()).as(pruned.err()).isZero();
        List<AuditEntry> entries =
                audit.query(AuditQuery.between(start, moving.instant().plusSeconds(1), 100));
        assertThat(entries).hasSize(4);
        assertThat(entries.subList(0, 2))
                .extracting(e -> e.action() + " " + e.target())
                .containsExactly("route.delete chat", "route.put chat");
        assertThat(entries.subList(2, 4))
                .as("the first apply, both routes at one instant")
                .extracting(e -> e.action() + " " + e.target())
                .containsExactlyInAnyOrder("route.put chat", "route.put demo");
        assertThat(entries).extracting(AuditEntry::source).containsOnly(AuditEntry.Source.GATEWAYCTL);
        AuditEntry weightChange = entries.get(1);
        assertThat(Json.read(weightChange.before()).at("/deployments/1/weight").asInt())
                .isEqualTo(1);
        assertThat(Json.read(weightChange.after()).at("/deployments/1/weight").asInt())
                .isEqualTo(3);
        assertThat(entries.getFirst().after()).isNull();
    }

    @Test
    void apply_aChangedWeight_showsTheFieldInTheDiff_andWritesIt() throws IOException {
        gatewayctl("routes", "apply", "-f", file(chatWithWeight(1)).toString());

        CliRun changed =
                gatewayctl("routes", "apply", "-f", file(chatWithWeight(3)).toString());

        assertThat(changed.status()).as(changed.err()).isZero();
        assertThat(changed.out())
                .isEqualTo("~ chat" + NL + "    deployments[1].weight: 1 → 3" + NL + "= demo" + NL
                        + "applied: 0 added, 1 changed, 0 removed, 1 unchanged" + NL);
        assertThat(routes.find("chat").orElseThrow().deployments().get(1).weight())
                .isEqualTo(3);
    }

    @Test
    void apply_dryRun_printsThePlan_andWritesNothing() throws IOException {
        CliRun dryRun =
                gatewayctl("routes", "apply", "-f", file(chatWithWeight(2)).toString(), "--dry-run");

        assertThat(dryRun.status()).as(dryRun.err()).isZero();
        assertThat(dryRun.out())
                .isEqualTo("+ chat" + NL + "+ demo" + NL
                        + "dry run, nothing written: 2 added, 0 changed, 0 removed, 0 unchanged" + NL);
        assertThat(routes.findAll()).isEmpty();
    }

    @Test
    void apply_keepsAliasesTheFileLacks_unlessPruneRemovesThem() throws IOException {
        routes.put(new Route("legacy", List.of(new Deployment("demo", "demo", null, null, Pricing.FREE, null))));
        Path file = file(chatWithWeight(1));

        CliRun kept = gatewayctl("routes", "apply", "-f", file.toString());

        assertThat(kept.out())
                .contains("(kept, not in file: legacy; --prune removes them)" + NL)
                .endsWith("applied: 2 added, 0 changed, 0 removed, 0 unchanged" + NL);
        assertThat(routes.find("legacy")).isPresent();

        CliRun pruned = gatewayctl("routes", "apply", "-f", file.toString(), "--prune");

        assertThat(pruned.status()).as(pruned.err()).isZero();
        assertThat(pruned.out())
                .isEqualTo("= chat" + NL + "= demo" + NL + "- legacy" + NL
                        + "applied: 0 added, 0 changed, 1 removed, 2 unchanged" + NL);
        assertThat(routes.findAll()).extracting(Route::alias).containsExactly("chat", "demo");
    }

    @Test
    void apply_anInvalidRouteAnywhereInTheFile_writesNothing() throws IOException {
        Path file = file("""
                routes:
                  - alias: fine
                    deployments: [{provider: demo, model: demo}]
                  - alias: typo
                    deployments: [{provider: demo, model: demo, wieght: 2}]
                """);

        CliRun result = gatewayctl("routes", "apply", "-f", file.toString());

        assertThat(result.status()).isEqualTo(GatewayCtl.USAGE);
        assertThat(result.err()).contains("routes[1].deployments[0]: unknown field 'wieght'");
        assertThat(result.out()).isEmpty();
        assertThat(routes.findAll()).isEmpty();
    }

    @Test
    void apply_aRuleTargetNoAliasNames_isRefused() throws IOException {
        Path file = file("""
                routes:
                  - alias: chat
                    rules: [{target: cheap, anyTag: [batch]}]
                    deployments: [{provider: demo, model: demo}]
                """);

        CliRun result = gatewayctl("routes", "apply", "-f", file.toString());

        assertThat(result.status()).isEqualTo(GatewayCtl.USAGE);
        assertThat(result.err()).contains("routes[0].rules[0]: target 'cheap' is no alias in the file or the table");
        assertThat(routes.findAll()).isEmpty();
    }

    @Test
    void apply_aRuleTargetAlreadyInTheTable_isAccepted() throws IOException {
        routes.put(new Route("cheap", List.of(new Deployment("demo", "demo", null, null, Pricing.FREE, null))));
        Path file = file("""
                routes:
                  - alias: chat
                    rules: [{target: cheap, anyTag: [batch]}]
                    deployments: [{provider: demo, model: demo}]
                """);

        CliRun result = gatewayctl("routes", "apply", "-f", file.toString());

        assertThat(result.status()).as(result.err()).isZero();
        assertThat(routes.find("chat").orElseThrow().rules()).hasSize(1);
    }

    @Test
    void health_showsEachDeploymentsSharedBreaker_openHalfOpenClosedAndUnknown() {
        Deployment openai = new Deployment("openai", "gpt-4o-mini", null, "openai", Pricing.FREE, null);
        Deployment gemini = new Deployment(
                "openai-compatible", "gemini-2.5-flash", "https://proxy.example/v1", null, Pricing.FREE, null);
        Deployment demo = new Deployment("demo", "demo", null, null, Pricing.FREE, null);
        Deployment anthropic = new Deployment("anthropic", "claude-sonnet-4-5", null, "anthropic", Pricing.FREE, null);
        routes.put(new Route("chat", List.of(openai, gemini, demo)));
        routes.put(new Route("claude", List.of(anthropic)));
        long now = NOW.toEpochMilli();
        health.publish(new SharedHealth(
                openai.healthKey(),
                BreakerState.OPEN,
                now - 5_000,
                now + 29_500,
                812.4,
                0.5,
                "upstream_unavailable",
                now - 5_000));
        health.publish(new SharedHealth(
                gemini.healthKey(), BreakerState.OPEN, now - 120_000, now - 1_000, -1, 0.25, "timeout", now - 180_000));
        health.publish(new SharedHealth(demo.healthKey(), BreakerState.CLOSED, now - 60_000, 0, 40, 0, null, 0));

        CliRun result = gatewayctl("routes", "health");

        assertThat(result.status()).as(result.err()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0))
                .containsSubsequence("ALIAS", "DEPLOYMENT", "STATE", "TTFT MS", "ERRORS", "LAST FAILURE", "RETRY");
        assertThat(lines.get(1))
                .matches("chat +openai/gpt-4o-mini +open +812 +50\\.0% +upstream_unavailable 5s ago +retry in 30s");
        assertThat(lines.get(2))
                .matches("chat +openai-compatible/gemini-2\\.5-flash https://proxy\\.example/v1 +half_open +- +25\\.0%"
                        + " +timeout 3m ago *");
        assertThat(lines.get(3)).matches("chat +demo/demo +closed +40 +0\\.0% +- *");
        assertThat(lines.get(4)).matches("claude +anthropic/claude-sonnet-4-5 +unknown +- +- +- *");
    }
}
