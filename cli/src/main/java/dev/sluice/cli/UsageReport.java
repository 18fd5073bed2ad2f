package dev.sluice.cli;

import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.UsageRow;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Usage rows summed per group (a day, a month, a model or a key) over a date range, in the order finance reads them:
 * days and months in time order, models and keys by cost, the most expensive first.
 *
 * @param tenantId the tenant, or {@code null} when the report covers every tenant
 */
record UsageReport(String tenantId, LocalDate from, LocalDate to, Grouping by, List<Group> groups, UsageTotals total) {

    UsageReport {
        groups = List.copyOf(groups);
    }

    /** One line of the report: its group's name and every counter summed over the group's rows. */
    record Group(String name, UsageTotals totals) {}

    /** What the rows are summed by; {@link #option} is how {@code --by} names it. */
    enum Grouping {
        DAY("day", UsageRow::day, true),
        MONTH("month", row -> row.day().substring(0, "yyyy-MM".length()), true),
        MODEL("model", UsageRow::alias, false),
        KEY("key", UsageRow::keyId, false);

        private final String option;
        private final Function<UsageRow, String> groupOf;
        private final boolean inTimeOrder;

        Grouping(String option, Function<UsageRow, String> groupOf, boolean inTimeOrder) {
            this.option = option;
            this.groupOf = groupOf;
            this.inTimeOrder = inTimeOrder;
        }

        String option() {
            return option;
        }

        /** The grouping {@code --by} names. */
        static Grouping named(String option) {
            for (Grouping grouping : values()) {
                if (grouping.option.equals(option.strip())) {
                    return grouping;
                }
            }
            throw new UsageError("--by: day, month, model or key, not '" + option + "'");
        }

        private Comparator<Group> order() {
            Comparator<Group> byName = Comparator.comparing(Group::name);
            if (inTimeOrder) {
                return byName;
            }
            Comparator<Group> byCost =
                    Comparator.comparingLong(group -> group.totals().costMicros());
            return byCost.reversed().thenComparing(byName);
        }
    }

    /** Sums {@code rows} per group of {@code by}; rows are taken as read, already limited to the range. */
    static UsageReport of(String tenantId, LocalDate from, LocalDate to, Grouping by, List<UsageRow> rows) {
        Map<String, UsageTotals> sums = new LinkedHashMap<>();
        UsageTotals total = UsageTotals.ZERO;
        for (UsageRow row : rows) {
            sums.merge(by.groupOf.apply(row), row.totals(), UsageTotals::plus);
            total = total.plus(row.totals());
        }
        List<Group> groups = sums.entrySet().stream()
                .map(sum -> new Group(sum.getKey(), sum.getValue()))
                .sorted(by.order())
                .toList();
        return new UsageReport(tenantId, from, to, by, groups, total);
    }

    /** Who the report is about, for titles: the tenant, or all tenants. */
    String scope() {
        return tenantId == null ? "all tenants" : tenantId;
    }
}
