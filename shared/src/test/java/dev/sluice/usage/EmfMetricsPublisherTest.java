package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.health.DeploymentHealth;
import dev.sluice.json.Json;
import dev.sluice.usage.event.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EmfMetricsPublisherTest {

    private static UsageEvent event(String status, long ttft) {
        return new UsageEvent(
                1,
                "req_1",
                1_795_000_000_000L,
                "acme",
                "key_1",
                "gpt",
                "openai",
                "gpt-4o-mini",
                120,
                30,
                0,
                0,
                36,
                900,
                ttft,
                status,
                200,
                true,
                false,
                false);
    }

    @Test
    void publish_sendsTheEventOn_thenWritesOneEmfLinePerEvent() throws Exception {
        InMemoryUsagePublisher stream = new InMemoryUsagePublisher();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EmfMetricsPublisher publisher =
                new EmfMetricsPublisher(stream, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        publisher.publish(event(UsageEvent.OK, 250));
        publisher.publish(event(UsageEvent.UPSTREAM_ERROR, -1));

        assertThat(stream.events()).hasSize(2);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode ok = Json.read(lines[0].getBytes(StandardCharsets.UTF_8));
        assertThat(ok.at("/_aws/CloudWatchMetrics/0/Namespace").asText()).isEqualTo("Sluice");
        assertThat(ok.at("/_aws/CloudWatchMetrics/0/Dimensions/0/0").asText()).isEqualTo("Tenant");
        assertThat(ok.at("/_aws/Timestamp").asLong()).isEqualTo(1_795_000_000_000L);
        assertThat(ok.path("Tenant").asText()).isEqualTo("acme");
        assertThat(ok.path("TimeToFirstTokenMs").asLong()).isEqualTo(250);
        assertThat(ok.path("CostMicros").asLong()).isEqualTo(36);
        assertThat(ok.path("Errors").asInt()).isZero();
        assertThat(ok.path("CacheHits").asInt()).isZero();
        assertThat(ok.path("Redactions").asInt()).isZero();
        JsonNode failed = Json.read(lines[1].getBytes(StandardCharsets.UTF_8));
        assertThat(failed.path("Errors").asInt()).isEqualTo(1);
        assertThat(failed.has("TimeToFirstTokenMs"))
                .as("no first token, no sample")
                .isFalse();
        for (JsonNode metric : ok.at("/_aws/CloudWatchMetrics/0/Metrics")) {
            assertThat(ok.has(metric.path("Name").asText()))
                    .as("every declared metric has a value")
                    .isTrue();
        }
    }

    private static UsageEvent chat(String cacheResult, boolean cacheHit) {
        return new UsageEvent(
                1,
                "req_2",
                1_795_000_000_000L,
                "acme",
                "key_1",
                "gpt",
                "openai",
                "gpt-4o-mini",
                120,
                30,
                0,
                0,
                36,
                900,
                250,
                UsageEvent.OK,
                200,
                true,
                false,
                cacheHit,
                "app",
                null,
                1,
                0,
                0,
                0,
                cacheResult);
    }

    @Test
    void emf_gatewayWideDimensionSet_carriesTheAlarmMetrics() {
        JsonNode miss = Json.MAPPER.valueToTree(
                EmfMetricsPublisher.emf(chat("miss", false), new DeploymentHealth.Census(4, 1)));
        JsonNode bypass = Json.MAPPER.valueToTree(EmfMetricsPublisher.emf(chat("bypass", false)));
        JsonNode hit = Json.MAPPER.valueToTree(EmfMetricsPublisher.emf(chat("hit", true)));

        JsonNode dimensions = miss.at("/_aws/CloudWatchMetrics/0/Dimensions");
        assertThat(dimensions).hasSize(2);
        assertThat(dimensions.get(0).get(0).asText()).isEqualTo("Tenant");
        assertThat(dimensions.get(1)).isEmpty(); // the whole gateway
        java.util.List<String> names = new java.util.ArrayList<>();
        miss.at("/_aws/CloudWatchMetrics/0/Metrics")
                .forEach(m -> names.add(m.get("Name").asText()));
        assertThat(names)
                .contains(
                        "Requests",
                        "Errors",
                        "LatencyMs",
                        "TimeToFirstTokenMs",
                        "CacheLookups",
                        "CacheHits",
                        "OpenBreakers",
                        "HealthyDeploymentsPercent");
        assertThat(miss.path("LatencyMs").asLong()).isEqualTo(900);
        assertThat(miss.path("CacheLookups").asInt()).isEqualTo(1);
        assertThat(miss.path("CacheHits").asInt()).isZero();
        assertThat(miss.path("OpenBreakers").asInt()).isEqualTo(1);
        assertThat(miss.path("HealthyDeploymentsPercent").asDouble()).isEqualTo(75.0);
        assertThat(bypass.path("CacheLookups").asInt()).isZero();
        assertThat(bypass.path("OpenBreakers").asInt()).isZero();
        assertThat(bypass.path("HealthyDeploymentsPercent").asDouble()).isEqualTo(100.0);
        assertThat(hit.path("CacheLookups").asInt()).isEqualTo(1);
        assertThat(hit.path("CacheHits").asInt()).isEqualTo(1);
    }
}
