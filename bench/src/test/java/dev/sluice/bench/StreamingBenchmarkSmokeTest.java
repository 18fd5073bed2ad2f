package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmark end to end in a tiny configuration: every phase runs, nothing fails, the report has numbers. */
class StreamingBenchmarkSmokeTest {

    @Test
    @Timeout(60)
    void run_tinyConfiguration_reportsNumbersAndNoErrors() throws Exception {
        BenchOptions options = BenchOptions.parse(
                "--requests",
                "20",
                "--warmup",
                "10",
                "--chunks",
                "5",
                "--seconds",
                "1",
                "--warmup-seconds",
                "0.2",
                "--concurrency",
                "4");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        BenchmarkResult result =
                StreamingBenchmark.run(options, new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(result.totalErrors()).as(result.toMarkdown()).isZero();
        assertThat(result.throughput())
                .extracting(ThroughputRun.Result::target)
                .containsExactly("direct", "gateway-no-limits", "gateway-rpm", "gateway-all-limits");
        assertThat(result.throughput())
                .allSatisfy(run -> assertThat(run.completed()).isPositive());
        for (String gateway : List.of("gateway-no-limits", "gateway-rpm", "gateway-all-limits")) {
            assertThat(result.latency().firstData().get(gateway).p50())
                    .as(gateway)
                    .isPositive();
            assertThat(result.cpu().perRequest(gateway, SequentialRun.CpuResult.Totals::loop))
                    .as(gateway)
                    .isPositive();
        }
        assertThat(result.latency().done().get("direct").p99()).isPositive();

        String markdown = result.toMarkdown();
        assertThat(markdown)
                .contains("| first `data:` p50 | ", "| `[DONE]` p99 | ", "| the requests | ")
                .contains("| 4 | gateway-no-limits | ", "| 4 | gateway-rpm | ", "| 4 | gateway-all-limits | ")
                .contains("| metric | direct | `gateway-no-limits` | added | `gateway-rpm` | added "
                        + "| `gateway-all-limits` | added | target for added, all limits |")
                .contains("### Memory during the 4-client `gateway-all-limits` run")
                .contains("Errors: 0 ")
                .doesNotContain("n/a", "NaN");
        // direct, then a figure and its "added" for each of the three gateways, then the verdict on the last.
        assertThat(markdown)
                .containsPattern("\\| first `data:` p50 \\| \\d+\\.\\d{3}( \\| -?\\d+\\.\\d{3}){6} \\| ≤ 1\\.000 ms: ");
        assertThat(markdown)
                .containsPattern("\\| the requests \\| \\d+\\.\\d{3}( \\| -?\\d+\\.\\d{3}){6} \\| ≤ 0\\.500 ms: ");
    }

    @Test
    @Timeout(60)
    void soak_tinyRun_reportsEveryIntervalAndNoStall() throws Exception {
        SoakOptions options =
                SoakOptions.parse("--soak", "0.05", "--interval", "1", "--concurrency", "4", "--chunks", "5");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        SoakRun.Result result =
                StreamingBenchmark.soak(options, new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(result.intervals()).hasSize(3);
        assertThat(result.stalledIntervals()).as(result.toMarkdown()).isZero();
        assertThat(result.errors()).as(result.toMarkdown()).isZero();
        assertThat(result.intervals()).allSatisfy(interval -> {
            assertThat(interval.completed()).isPositive();
            assertThat(interval.itemsText()).isNotEqualTo("n/a");
        });
        assertThat(result.toMarkdown()).contains("| t (s) | streams/s |", "stalled intervals: 0.");
    }

    @Test
    void parseSoak_minutesAndDefaults_runsEveryLimitAt128Clients() {
        SoakOptions options = SoakOptions.parse("--soak", "2");

        assertThat(options.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(options.clients()).isEqualTo(128);
        assertThat(options.target()).isEqualTo("gateway-all-limits");
        assertThat(options.interval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void parseSoak_target_acceptsEachGatewayAndRejectsOthers() {
        for (String target : List.of("gateway-no-limits", "gateway-rpm", "gateway-all-limits")) {
            assertThat(SoakOptions.parse("--soak", "1", "--target", target).target())
                    .isEqualTo(target);
        }
        assertThatThrownBy(() -> SoakOptions.parse("--soak", "1", "--target", "gateway"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway-all-limits");
        assertThatThrownBy(() -> SoakOptions.parse("--soak", "1", "--target", "direct"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parse_quickThenExplicitOption_explicitWins() {
        BenchOptions options = BenchOptions.parse("--requests", "7", "--quick", "--concurrency", "1,2");

        assertThat(options.requests()).isEqualTo(7);
        assertThat(options.throughputTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.concurrency()).isEqualTo(List.of(1, 2));
    }
}
