package dev.sluice.cli;

import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl usage report}: usage over a date range summed per day, month, model or key, for one tenant or all
 * of them, as a table, CSV or JSON, with an optional SVG chart of the spend.
 */
@Command(
        name = "report",
        description = "Usage from one day to another, summed per day, month, model or key, for one tenant or all.",
        footer = {
            "",
            "One tenant is read with one Query per calendar month of the range. --all scans the whole usage table "
                    + "(read capacity for every row, not only the range), and so includes tenants since deleted.",
            "Progress goes to standard error when --all is given or the range is longer than "
                    + UsageReportCommand.QUIET_DAYS + " days; standard output only carries the report."
        })
final class UsageReportCommand implements Callable<Integer> {
    private static final int MAX_DAYS = 366;
    /** Up to a month of one tenant is a few pages at most: quick enough to need no progress. */
    static final int QUIET_DAYS = 31;

    private final CliContext cli;

    @Mixin
    TableOptions table;

    @ArgGroup(multiplicity = "1")
    Scope scope;

    /** Exactly one of the two; picocli says so when both or neither are given. */
    static final class Scope {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant.")
        String tenant;

        @Option(names = "--all", required = true, description = "Every tenant with usage (a Scan; see below).")
        boolean all;
    }

    @Option(names = "--from", paramLabel = "YYYY-MM-DD", required = true, description = "The first day.")
    String from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", required = true, description = "The last day (included).")
    String to;

    @Option(
            names = "--by",
            paramLabel = "day|month|model|key",
            defaultValue = "day",
            description = "What to sum per (default: ${DEFAULT-VALUE}); days and months in order, models and keys "
                    + "most expensive first.")
    String by;

    @Option(
            names = "--format",
            paramLabel = "table|csv|json",
            defaultValue = "table",
            description = "table (default), csv (no total line) or json (rows and total).")
    String format;

    @Option(
            names = "--chart",
            paramLabel = "FILE.svg",
            description = "Also write an SVG bar chart of the spend per group; its path is printed on standard error.")
    Path chart;

    UsageReportCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        LocalDate first = day("--from", from);
        LocalDate last = day("--to", to);
        if (first.isAfter(last)) {
            throw new UsageError("--from " + first + " is after --to " + last);
        }
        long days = ChronoUnit.DAYS.between(first, last) + 1;
        if (days > MAX_DAYS) {
            throw new UsageError("--from " + first + " to --to " + last + " is " + days + " days; at most " + MAX_DAYS
                    + " in one report");
        }
        UsageReport.Grouping grouping = UsageReport.Grouping.named(by);
        UsageReportFormat output = UsageReportFormat.named(format);
        String tenant = scope.all ? null : UsageError.nonBlank("--tenant", scope.tenant);

        Progress progress = new Progress(cli, scope.all || days > QUIET_DAYS);
        List<UsageRow> rows;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            DynamoDbUsageStore store = new DynamoDbUsageStore(
                    dynamo, TableOptions.tables(cli.env()).usage());
            rows = tenant == null
                    ? scanAll(store, first, last, progress)
                    : queryMonths(store, tenant, first, last, progress);
        } finally {
            progress.done();
        }
        UsageReport report = UsageReport.of(tenant, first, last, grouping, rows);
        output.print(report, cli.out());
        if (chart != null) {
            writeChart(report);
        }
        return 0;
    }

    /** A day given as {@code option}, such as 2026-11-23; a usage error naming the option otherwise. */
    static LocalDate day(String option, String value) {
        try {
            return LocalDate.parse(UsageError.nonBlank(option, value));
        } catch (DateTimeParseException e) {
            throw new UsageError(option + ": a day such as 2026-11-23, not '" + value + "'");
        }
    }

    /** One Query per calendar month, so a long range shows progress as it goes. */
    private static List<UsageRow> queryMonths(
            DynamoDbUsageStore store, String tenant, LocalDate first, LocalDate last, Progress progress) {
        List<Days> months = new ArrayList<>();
        for (LocalDate start = first; !start.isAfter(last); ) {
            LocalDate monthEnd = start.withDayOfMonth(start.lengthOfMonth());
            Days month = new Days(start, monthEnd.isAfter(last) ? last : monthEnd);
            months.add(month);
            start = month.last().plusDays(1);
        }
        List<UsageRow> rows = new ArrayList<>();
        for (int i = 0; i < months.size(); i++) {
            rows.addAll(
                    store.queryDays(tenant, months.get(i).first(), months.get(i).last()));
            progress.show(
                    "reading " + tenant + ": month " + (i + 1) + " of " + months.size() + ", " + rows.size() + " rows");
        }
        return rows;
    }

    /** The days from {@code first} to {@code last}, both included. */
    private record Days(LocalDate first, LocalDate last) {}

    private static List<UsageRow> scanAll(
            DynamoDbUsageStore store, LocalDate first, LocalDate last, Progress progress) {
        return store.scanDays(first, last, pages -> progress.show("scanning the usage table: page " + pages));
    }

    private void writeChart(UsageReport report) {
        try {
            Files.writeString(chart, SpendChart.svg(report), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandFailure("cannot write the chart to " + chart + ": " + e.getMessage());
        }
        // Standard error, so a report piped as CSV or JSON stays only the report.
        cli.err().println("chart written to " + chart);
    }

    /**
     * One line on standard error, rewritten in place with {@code \r} and ended with a newline when the reading is done;
     * silent when not {@code shown} (a short range reads too fast to need it).
     */
    private static final class Progress {
        private final CliContext cli;
        private final boolean shown;
        private int width;

        Progress(CliContext cli, boolean shown) {
            this.cli = cli;
            this.shown = shown;
        }

        void show(String line) {
            if (!shown) {
                return;
            }
            cli.err().print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            cli.err().flush();
            width = line.length();
        }

        void done() {
            if (width > 0) {
                cli.err().println();
            }
        }
    }
}
