package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
}
