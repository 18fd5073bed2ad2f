package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.UsageRow;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Grouping, summing and ordering of usage rows, without a table. */
class UsageReportTest {
    private static final LocalDate FROM = LocalDate.parse("2026-10-30");
    private static final LocalDate TO = LocalDate.parse("2026-11-02");

    /** Every counter distinct per row, so a sum that drops or swaps one shows. */
    private static UsageRow row(String day, String alias, String keyId, long costMicros, int seed) {
        return new UsageRow(
                "acme",
                day,
                alias,
                keyId,
                new UsageTotals(
                        seed,
                        seed * 2L,
                        seed * 3L,
                        seed * 4L,
                        seed * 5L,
                        seed * 6L,
                        costMicros,
                        seed * 7L,
                        seed * 8L,
                        seed * 9L));
    }

    private static final List<UsageRow> ROWS = List.of(
            row("2026-11-02", "cheap", "key_b", 100, 1),
            row("2026-10-30", "pricey", "key_a", 5_000, 2),
            row("2026-11-01", "pricey", "key_b", 7_000, 3),
            row("2026-10-31", "cheap", "key_a", 300, 4),
            row("2026-11-01", "mid", "key_c", 2_000, 5));

    private static UsageReport report(UsageReport.Grouping by) {
        return UsageReport.of("acme", FROM, TO, by, ROWS);
    }

    private static List<String> names(UsageReport report) {
        return report.groups().stream().map(UsageReport.Group::name).toList();
    }

    @Test
    void byDay_sumsEachDaysRows_inDayOrder() {
        UsageReport report = report(UsageReport.Grouping.DAY);

        assertThat(names(report)).containsExactly("2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02");
        assertThat(report.groups().get(2).totals())
                .isEqualTo(ROWS.get(2).totals().plus(ROWS.get(4).totals()));
    }

    @Test
    void byMonth_sumsEachMonthsRows_inMonthOrder() {
        UsageReport report = report(UsageReport.Grouping.MONTH);

        assertThat(names(report)).containsExactly("2026-10", "2026-11");
        assertThat(report.groups().get(0).totals())
                .isEqualTo(ROWS.get(1).totals().plus(ROWS.get(3).totals()));
        assertThat(report.groups().get(1).totals().costMicros()).isEqualTo(100 + 7_000 + 2_000);
    }

    @Test
    void byModel_putsTheMostExpensiveFirst() {
        UsageReport report = report(UsageReport.Grouping.MODEL);

        assertThat(names(report)).containsExactly("pricey", "mid", "cheap");
        assertThat(report.groups())
                .extracting(group -> group.totals().costMicros())
                .containsExactly(12_000L, 2_000L, 400L);
    }

    @Test
    void byKey_putsTheMostExpensiveFirst_andBreaksTiesByName() {
        List<UsageRow> rows = List.of(
                row("2026-11-01", "m", "key_z", 10, 1),
                row("2026-11-01", "m", "key_y", 10, 1),
                row("2026-11-01", "m", "key_x", 30, 1));

        UsageReport report = UsageReport.of("acme", FROM, TO, UsageReport.Grouping.KEY, rows);

        assertThat(names(report)).containsExactly("key_x", "key_y", "key_z");
    }

    @Test
    void total_sumsEveryCounterOfEveryRow_whateverTheGrouping() {
        UsageTotals expected = UsageTotals.ZERO;
        for (UsageRow row : ROWS) {
            expected = expected.plus(row.totals());
        }

        for (UsageReport.Grouping by : UsageReport.Grouping.values()) {
            UsageReport report = report(by);
            assertThat(report.total()).as(by.option()).isEqualTo(expected);
            assertThat(report.groups().stream()
                            .map(UsageReport.Group::totals)
                            .reduce(UsageTotals.ZERO, UsageTotals::plus))
                    .as(by.option())
                    .isEqualTo(expected);
        }
        assertThat(expected.requests()).isEqualTo(15);
        assertThat(expected.cacheSavedMicros()).isEqualTo(15 * 9);
    }

    @Test
    void noRows_isAnEmptyReportWithAZeroTotal() {
        UsageReport report = UsageReport.of(null, FROM, TO, UsageReport.Grouping.DAY, List.of());

        assertThat(report.groups()).isEmpty();
        assertThat(report.total()).isEqualTo(UsageTotals.ZERO);
        assertThat(report.scope()).isEqualTo("all tenants");
    }

    @Test
    void grouping_isNamedAsTheByOptionSaysIt() {
        assertThat(UsageReport.Grouping.named("month")).isEqualTo(UsageReport.Grouping.MONTH);
        assertThatThrownBy(() -> UsageReport.Grouping.named("week"))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("--by")
                .hasMessageContaining("week");
    }
}
