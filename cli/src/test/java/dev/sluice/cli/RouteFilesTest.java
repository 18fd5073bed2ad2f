package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.provider.ProviderRegistry;
import dev.sluice.route.Route;
import dev.sluice.router.GatewayWiring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The route examples the README points at are valid and name providers the gateway ships. */
class RouteFilesTest {

    @Test
    void everyExampleRoute_parses_andNamesAShippedProvider() throws IOException {
        ProviderRegistry registry = new ProviderRegistry(
                GatewayWiring.providers(Duration.ofSeconds(1), Duration.ZERO, "us-east-1", Clock.systemUTC()));
        List<Path> files;
        try (Stream<Path> listing = Files.list(Path.of("routes"))) {
            files = listing.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(12);
        for (Path file : files) {
            Route route = RouteFiles.read(file);
            assertThat(route.deployments()).as(file.toString()).isNotEmpty();
            route.deployments()
                    .forEach(d ->
                            assertThat(registry.chatTypes()).as(file.toString()).contains(d.provider()));
        }
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
}
