package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.health.DeploymentHealth;
import dev.sluice.usage.event.UsageEvent;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest {
    private final InMemoryUsagePublisher stream = new InMemoryUsagePublisher();
    private final AtomicReference<DeploymentHealth.Census> census = new AtomicReference<>(DeploymentHealth.Census.NONE);
    private final PrometheusMetrics metrics = new PrometheusMetrics(stream, census::get);

    private static UsageEvent event(
            String tenant, String alias, String status, long latencyMs, long ttftMs, String cacheResult) {
        return new UsageEvent(
                1,
                "req_" + tenant + latencyMs,
                1_795_000_000_000L,
                tenant,
                "key_1",
                alias,
                "openai",
                "gpt-4o-mini",
                120,
                30,
                20,
                5,
                36,
                latencyMs,
                ttftMs,
                status,
                UsageEvent.OK.equals(status) ? 200 : 502,
                true,
                false,
                "hit".equals(cacheResult),
                "app",
                null,
                UsageEvent.OK.equals(status) ? 1 : 2,
                "hit".equals(cacheResult) ? 150 : 0,
                "hit".equals(cacheResult) ? 40 : 0,
                2,
                cacheResult);
    }

    private List<String> lines() {
        return Arrays.asList(metrics.scrape().split("\n"));
    }

    @Test
    void publish_handsTheEventOn_andCountsIt() {
        metrics.publish(event("acme", "gpt", UsageEvent.OK, 900, 250, "miss"));
        metrics.publish(event("acme", "gpt", UsageEvent.OK, 3, 1, "hit"));
        metrics.publish(event("acme", "gpt", UsageEvent.UPSTREAM_ERROR, 40, -1, "miss"));

        assertThat(stream.events()).hasSize(3);
        assertThat(lines())
                .contains(
                        "# TYPE sluice_requests_total counter",
                        "sluice_requests_total{tenant=\"acme\",alias=\"gpt\",provider=\"openai\",status=\"ok\"} 2",
                        "sluice_requests_total{tenant=\"acme\",alias=\"gpt\",provider=\"openai\",status=\"upstream_error\"} 1",
                        "sluice_request_errors_total{tenant=\"acme\",alias=\"gpt\",provider=\"openai\"} 1",
                        "sluice_tokens_total{tenant=\"acme\",alias=\"gpt\",kind=\"prompt\"} 360",
                        "sluice_tokens_total{tenant=\"acme\",alias=\"gpt\",kind=\"completion\"} 90",
                        "sluice_tokens_total{tenant=\"acme\",alias=\"gpt\",kind=\"cached_prompt\"} 60",
                        "sluice_tokens_total{tenant=\"acme\",alias=\"gpt\",kind=\"reasoning\"} 15",
                        "sluice_cost_micro_usd_total{tenant=\"acme\",alias=\"gpt\"} 108",
                        "sluice_cache_requests_total{alias=\"gpt\",result=\"hit\"} 1",
                        "sluice_cache_requests_total{alias=\"gpt\",result=\"miss\"} 2",
                        "sluice_cache_saved_micro_usd_total{tenant=\"acme\"} 40",
                        "sluice_redactions_total{tenant=\"acme\"} 6",
                        "sluice_upstream_attempts_total{alias=\"gpt\"} 4");
    }

    @Test
    void scrape_histograms_areCumulativeWithSumAndCount() {
        metrics.record(event("acme", "gpt", UsageEvent.OK, 3, 1, null)); // 0.003 s
        metrics.record(event("acme", "gpt", UsageEvent.OK, 900, 250, null)); // 0.9 s
        metrics.record(event("acme", "gpt", UsageEvent.UPSTREAM_ERROR, 400_000, -1, null)); // above every bucket

        assertThat(lines())
                .contains(
                        "# TYPE sluice_request_duration_seconds histogram",
                        "sluice_request_duration_seconds_bucket{alias=\"gpt\",le=\"0.005\"} 1",
                        "sluice_request_duration_seconds_bucket{alias=\"gpt\",le=\"0.5\"} 1",
                        "sluice_request_duration_seconds_bucket{alias=\"gpt\",le=\"1\"} 2",
                        "sluice_request_duration_seconds_bucket{alias=\"gpt\",le=\"300\"} 2",
                        "sluice_request_duration_seconds_bucket{alias=\"gpt\",le=\"+Inf\"} 3",
                        "sluice_request_duration_seconds_count{alias=\"gpt\"} 3",
                        // a request without a first token is not a time-to-first-token sample
                        "sluice_time_to_first_token_seconds_count{alias=\"gpt\"} 2",
                        "sluice_time_to_first_token_seconds_bucket{alias=\"gpt\",le=\"0.25\"} 2");
        assertThat(lines())
                .anyMatch(line -> line.startsWith("sluice_request_duration_seconds_sum{alias=\"gpt\"} 400.9"));
    }

    @Test
    void scrape_breakerGauges_comeFromTheCensusAtScrapeTime() {
        assertThat(lines()).contains("sluice_breakers_open 0", "sluice_deployments_healthy_ratio 1");

        census.set(new DeploymentHealth.Census(4, 1));

        assertThat(lines())
                .contains(
                        "sluice_deployments_known 4",
                        "sluice_breakers_open 1",
                        "sluice_deployments_healthy_ratio 0.75");
    }

    @Test
    void record_labelValues_areEscaped() {
        metrics.record(event("a\"b\\c\nd", "gpt", UsageEvent.OK, 3, 1, null));

        assertThat(lines()).contains("sluice_redactions_total{tenant=\"a\\\"b\\\\c\\nd\"} 2");
    }

    @Test
    void record_beyondTheSeriesCap_foldsNewTenantsIntoOther() {
        for (int i = 0; i < PrometheusMetrics.MAX_SERIES + 50; i++) {
            metrics.record(event("tenant-" + i, "gpt", UsageEvent.OK, 3, 1, null));
        }

        List<String> redactions = lines().stream()
                .filter(line -> line.startsWith("sluice_redactions_total{"))
                .toList();
        assertThat(redactions).hasSize(PrometheusMetrics.MAX_SERIES + 1);
        assertThat(redactions).contains("sluice_redactions_total{tenant=\"_other\"} 100");
    }

    @Test
    void publish_whenTheStreamFails_stillCountsTheRequest() {
        PrometheusMetrics failing = new PrometheusMetrics(
                event -> {
                    throw new IllegalStateException("stream down");
                },
                () -> DeploymentHealth.Census.NONE);

        assertThatThrownBy(() -> failing.publish(event("acme", "gpt", UsageEvent.OK, 3, 1, null)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(failing.scrape())
                .contains("sluice_requests_total{tenant=\"acme\",alias=\"gpt\",provider=\"openai\",status=\"ok\"} 1");
    }
}
