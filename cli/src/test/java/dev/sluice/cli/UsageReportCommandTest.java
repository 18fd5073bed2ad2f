package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code usage report}'s command line. Every case fails before a table is read (the endpoint does not exist), so a
 * usage error cannot be confused with a connection error, which exits 1.
 */
class UsageReportCommandTest {
    private static final Map<String, String> ENV =
            Map.of("SLUICE_DYNAMODB_ENDPOINT", "http://127.0.0.1:9", "SLUICE_AWS_EMULATOR", "true");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return new GatewayCtl(
                        ENV,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv);
    }

    private int report(String... options) {
        List<String> argv = new ArrayList<>(List.of("usage", "report"));
        argv.addAll(List.of(options));
        return run(argv.toArray(String[]::new));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "2026-13-01 | 2026-12-31 | --from",
                "2026-11-01 | 2026-11-31 | --to",
                "yesterday  | 2026-11-30 | --from",
                "2026-11-30 | 2026-11-01 | is after --to",
                "2025-01-01 | 2026-01-02 | 367 days",
            })
    void badRange_isAUsageError_namingTheOption(String from, String to, String named) {
        assertThat(report("--tenant", "acme", "--from", from, "--to", to)).isEqualTo(2);
        assertThat(err()).contains(named);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aRangeOf366Days_passesTheChecks_andOnlyFailsReachingTheTable() {
        assertThat(report("--tenant", "acme", "--from", "2024-01-01", "--to", "2024-12-31"))
                .isEqualTo(1);
        assertThat(err()).doesNotContain("--from").doesNotContain("--to");
    }

    @ParameterizedTest
    @CsvSource({"--by, week", "--format, xml"})
    void unknownGroupingOrFormat_isAUsageError_namingTheOption(String option, String value) {
        assertThat(report("--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-30", option, value))
                .isEqualTo(2);
        assertThat(err()).contains(option).contains(value);
    }

    @Test
    void tenantAndAll_together_isAUsageError() {
        assertThat(report("--tenant", "acme", "--all", "--from", "2026-11-01", "--to", "2026-11-30"))
                .isEqualTo(2);
        assertThat(err()).contains("--tenant").contains("--all");
    }

    @Test
    void neitherTenantNorAll_isAUsageError() {
        assertThat(report("--from", "2026-11-01", "--to", "2026-11-30")).isEqualTo(2);
        assertThat(err()).contains("--tenant").contains("--all");
    }

    @Test
    void usageWithoutTenant_isStillAUsageError_onceUsageHasASubcommand() {
        assertThat(run("usage", "--period", "2026-11")).isEqualTo(2);
        assertThat(err()).contains("Missing required option: '--tenant=T'");
    }

    @Test
    void usageHelp_listsTheReport_andTheReportsHelpSaysAllScans() {
        assertThat(run("help", "usage")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("report");
        out.reset();

        assertThat(run("help", "usage", "report")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " "))
                .contains("--from", "--to", "--by", "--format", "--chart", "--all scans the whole usage table");
    }
}
