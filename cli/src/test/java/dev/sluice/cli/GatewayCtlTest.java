package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line alone: parsing, exit statuses and conversions. Every case here fails before any table or network
 * is touched (the endpoint it would use does not exist), so a wrong exit status cannot come from a connection error.
 */
class GatewayCtlTest {
    private static final Map<String, String> ENV = Map.of(
            "SLUICE_DYNAMODB_ENDPOINT",
            "http://127.0.0.1:9",
            "SLUICE_AWS_EMULATOR",
            "true",
            "SLUICE_URL",
            "http://127.0.0.1:9");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return new GatewayCtl(
                        ENV,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownOption_isAUsageError_namedOnStderr() {
        assertThat(run("tenants", "list", "--dynamodb-endpont", "http://127.0.0.1:9"))
                .isEqualTo(2);
        assertThat(err()).contains("--dynamodb-endpont");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void misspelledCommand_isAUsageError_withASuggestion() {
        assertThat(run("tenant", "list")).isEqualTo(2);
        assertThat(err()).contains("tenant").contains("tenants");
    }

    @Test
    void misspelledSubcommand_isAUsageError() {
        assertThat(run("keys", "revok", "--key-id", "key_x")).isEqualTo(2);
    }

    @Test
    void groupWithoutSubcommand_isAUsageError() {
        assertThat(run("tenants")).isEqualTo(2);
    }

    @Test
    void noCommand_isAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).contains("Commands:");
    }

    @Test
    void help_printsEveryCommandAndTheTablesVariables_andSucceeds() {
        assertThat(run("help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("dev", "usage", "routes", "tenants", "keys", "sessions", "SLUICE_TENANTS_TABLE");
    }

    @Test
    void subcommandHelp_listsItsOptions() {
        assertThat(run("keys", "create", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("--tenant", "--role", "--budget-usd-day", "--allow-ip", "--expires-in-days");
    }

    @Test
    void missingRequiredOption_isAUsageError() {
        assertThat(run("usage", "--csv")).isEqualTo(2);
        assertThat(err()).contains("--tenant");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0000001", "-1", "1.5.0", "ten", "0.0000005"})
    void budgetNotAnExactNonNegativeAmountOfMicroDollars_isAUsageError(String usd) {
        assertThat(run("tenants", "create", "--tenant", "acme", "--budget-usd-day", usd))
                .isEqualTo(2);
        assertThat(err()).contains("--budget-usd-day");
    }

    @Test
    void negativeCount_isAUsageError() {
        assertThat(run("tenants", "create", "--tenant", "acme", "--rpm", "-5")).isEqualTo(2);
    }

    @Test
    void badAllowIpEntry_isAUsageError() {
        assertThat(run("tenants", "create", "--tenant", "acme", "--allow-ip", "example.com"))
                .isEqualTo(2);
        assertThat(err()).contains("example.com");
    }

    @Test
    void unknownRole_isAUsageError() {
        assertThat(run("keys", "create", "--tenant", "acme", "--role", "root")).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--from 2026-12-05 --to 2026-12-01|is after --to",
                "--from 2026-13-01|--from: a day such as",
                "--from 2025-01-01 --to 2026-12-05|at most 366",
                "--limit 0|--limit must be 1 to",
                "--format xml|--format: table or json"
            })
    void auditWithAnImpossibleRangeLimitOrFormat_isAUsageError_beforeAnyTableIsRead(String options, String message) {
        String[] argv = ("audit " + options).split(" ");

        assertThat(run(argv)).isEqualTo(2);
        assertThat(err()).contains(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"25h", "0s", "1d", "90", "1441m"})
    void ttlOutsideOneSecondToADay_orNotADuration_isAUsageError(String ttl) {
        assertThat(run("sessions", "mint", "--key", "sk-sluice-abc", "--ttl", ttl))
                .isEqualTo(2);
        assertThat(err()).contains("--ttl").doesNotContain("sk-sluice-abc");
    }

    @Test
    void aKeyEchoedInAnErrorMessage_isRedacted() {
        assertThat(run("sessions", "mint", "--kye", "sk-sluice-0123456789abcdef"))
                .isEqualTo(2);
        assertThat(err()).doesNotContain("0123456789abcdef");
    }

    @ParameterizedTest
    @CsvSource({"90s,90", "30m,1800", "1h,3600", "24h,86400"})
    void ttl_acceptsSecondsMinutesAndHours(String text, long seconds) {
        assertThat(new SessionsCommand.Ttl().convert(text)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @CsvSource({"0.001,1000", "0,0", "1,1000000", "12.345678,12345678", "0.10,100000", "1.000000,1000000"})
    void usdToMicrosExact_isExact(String usd, long micros) {
        assertThat(Money.usdToMicrosExact(usd)).isEqualTo(micros);
    }

    @Test
    void usdToMicrosExact_refusesSubMicroAndNegativeAmounts() {
        assertThatThrownBy(() -> Money.usdToMicrosExact("0.0000001"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6 decimal places");
        assertThatThrownBy(() -> Money.usdToMicrosExact("-0.01"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
    }

    @ParameterizedTest
    @CsvSource({"1000,$0.001", "1000000,$1.00", "30000000,$30.00", "1234567,$1.234567", "500000,$0.50"})
    void display_dropsTrailingZerosButKeepsCents(long micros, String text) {
        assertThat(Money.display(micros)).isEqualTo(text);
    }
}
