package dev.sluice.cli;

import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl usage}: a tenant's usage rows, per day, model and key, with what the response cache saved. CSV
 * columns are only ever appended, so a parser of an older header keeps reading the columns it knows.
 */
@Command(
        name = "usage",
        description = "A tenant's usage per day, model and key, with cost and what response-cache hits saved.",
        subcommands = {UsageReportCommand.class, UsageReplayCommand.class})
final class UsageCommand implements Callable<Integer> {
    private final CliContext cli;

    @Mixin
    TableOptions table;

    @Spec
    CommandSpec spec;

    // Not required to picocli: it would then ask for it before 'usage report' too, which has its own.
    @Option(names = "--tenant", paramLabel = "T", description = "The tenant (required).")
    String tenant;

    @Option(
            names = "--period",
            paramLabel = "P",
            defaultValue = "",
            description = "A month (2026-11) or a day (2026-11-23); every day when not given.")
    String period;

    @Option(names = "--csv", description = "CSV with every counter instead of the table.")
    boolean csv;

    UsageCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        if (tenant == null) {
            // The message and status picocli gave when the option was declared required.
            throw new MissingParameterException(
                    spec.commandLine(), spec.findOption("--tenant"), "Missing required option: '--tenant=T'");
        }
        List<UsageRow> rows;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            rows = new DynamoDbUsageStore(dynamo, TableOptions.tables(cli.env()).usage())
                    .query(UsageError.nonBlank("--tenant", tenant), "day#" + period);
        }
        if (csv) {
            printCsv(rows);
        } else {
            printTable(rows);
        }
        return 0;
    }

    private void printCsv(List<UsageRow> rows) {
        cli.out()
                .println("tenant,day,model,key,requests,errors,prompt_tokens,completion_tokens,cached_prompt_tokens,"
                        + "reasoning_tokens,cost_usd,cache_hits,cache_saved_tokens,cache_saved_usd");
        for (UsageRow row : rows) {
            UsageTotals t = row.totals();
            cli.out()
                    .println(String.join(
                            ",",
                            row.tenantId(),
                            row.day(),
                            row.alias(),
                            row.keyId(),
                            Long.toString(t.requests()),
                            Long.toString(t.errors()),
                            Long.toString(t.promptTokens()),
                            Long.toString(t.completionTokens()),
                            Long.toString(t.cachedPromptTokens()),
                            Long.toString(t.reasoningTokens()),
                            Money.microsToUsd(t.costMicros()),
                            Long.toString(t.cacheHits()),
                            Long.toString(t.cacheSavedTokens()),
                            Money.microsToUsd(t.cacheSavedMicros())));
        }
    }

    private void printTable(List<UsageRow> rows) {
        String format = "%-10s  %-20s  %-16s  %8s  %6s  %10s  %10s  %10s  %12s  %10s  %12s%n";
        cli.out()
                .printf(
                        format,
                        "DAY",
                        "MODEL",
                        "KEY",
                        "REQUESTS",
                        "ERRORS",
                        "PROMPT",
                        "COMPLETION",
                        "TOTAL",
                        "COST USD",
                        "CACHE HITS",
                        "SAVED USD");
        UsageTotals sum = UsageTotals.ZERO;
        for (UsageRow row : rows) {
            UsageTotals t = row.totals();
            sum = sum.plus(t);
            cli.out()
                    .printf(
                            format,
                            row.day(),
                            row.alias(),
                            row.keyId(),
                            t.requests(),
                            t.errors(),
                            t.promptTokens(),
                            t.completionTokens(),
                            t.totalTokens(),
                            Money.microsToUsd(t.costMicros()),
                            t.cacheHits(),
                            Money.microsToUsd(t.cacheSavedMicros()));
        }
        cli.out()
                .printf(
                        format,
                        "TOTAL",
                        "",
                        "",
                        sum.requests(),
                        sum.errors(),
                        sum.promptTokens(),
                        sum.completionTokens(),
                        sum.totalTokens(),
                        Money.microsToUsd(sum.costMicros()),
                        sum.cacheHits(),
                        Money.microsToUsd(sum.cacheSavedMicros()));
    }
}
