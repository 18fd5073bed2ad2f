package dev.sluice.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.usage.aggregate.UsageTotals;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * How {@code gatewayctl usage report} prints a {@link UsageReport}: a table for people (dollars through
 * {@link Money#display}), CSV and JSON for programs (integer micro-USD beside exact dollars).
 */
enum UsageReportFormat {
    TABLE {
        @Override
        void print(UsageReport report, PrintStream out) {
            int width = report.by().option().length();
            for (UsageReport.Group group : report.groups()) {
                width = Math.max(width, group.name().length());
            }
            width = Math.max(width, "TOTAL".length());
            String format = "%-" + width + "s  %10s  %8s  %12s  %12s  %12s  %14s  %10s  %14s%n";
            out.printf(
                    format,
                    report.by().option().toUpperCase(Locale.ROOT),
                    "REQUESTS",
                    "ERRORS",
                    "PROMPT",
                    "COMPLETION",
                    "TOKENS",
                    "COST",
                    "CACHE_HITS",
                    "CACHE_SAVED");
            for (UsageReport.Group group : report.groups()) {
                printRow(out, format, group.name(), group.totals());
            }
            printRow(out, format, "TOTAL", report.total());
        }

        private static void printRow(PrintStream out, String format, String name, UsageTotals t) {
            out.printf(
                    format,
                    name,
                    t.requests(),
                    t.errors(),
                    t.promptTokens(),
                    t.completionTokens(),
                    t.totalTokens(),
                    Money.display(t.costMicros()),
                    t.cacheHits(),
                    Money.display(t.cacheSavedMicros()));
        }
    },

    CSV {
        @Override
        void print(UsageReport report, PrintStream out) {
            out.println(report.by().option()
                    + ",requests,errors,prompt_tokens,completion_tokens,cached_prompt_tokens,reasoning_tokens,"
                    + "cost_micros,cost_usd,cache_hits,cache_saved_tokens,cache_saved_micros,cache_saved_usd");
            for (UsageReport.Group group : report.groups()) {
                UsageTotals t = group.totals();
                out.println(String.join(
                        ",",
                        field(group.name()),
                        Long.toString(t.requests()),
                        Long.toString(t.errors()),
                        Long.toString(t.promptTokens()),
                        Long.toString(t.completionTokens()),
                        Long.toString(t.cachedPromptTokens()),
                        Long.toString(t.reasoningTokens()),
                        Long.toString(t.costMicros()),
                        Money.microsToUsd(t.costMicros()),
                        Long.toString(t.cacheHits()),
                        Long.toString(t.cacheSavedTokens()),
                        Long.toString(t.cacheSavedMicros()),
                        Money.microsToUsd(t.cacheSavedMicros())));
            }
        }

        /** Model aliases and key ids are plain words today; quoting keeps a file valid if one ever is not. */
        private static String field(String value) {
            if (value.indexOf(',') < 0
                    && value.indexOf('"') < 0
                    && value.indexOf('\n') < 0
                    && value.indexOf('\r') < 0) {
                return value;
            }
            return '"' + value.replace("\"", "\"\"") + '"';
        }
    },

    JSON {
        /** Dollars as plain decimals ({@code 0.000000}, never {@code 0E-6}), so every parser reads them alike. */
        private static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .enable(SerializationFeature.INDENT_OUTPUT);

        @Override
        void print(UsageReport report, PrintStream out) {
            ObjectNode root = MAPPER.createObjectNode();
            root.put("tenant", report.tenantId());
            root.put("from", report.from().toString());
            root.put("to", report.to().toString());
            root.put("by", report.by().option());
            ArrayNode rows = root.putArray("rows");
            for (UsageReport.Group group : report.groups()) {
                counters(rows.addObject().put(report.by().option(), group.name()), group.totals());
            }
            counters(root.putObject("total"), report.total());
            try {
                out.println(MAPPER.writeValueAsString(root));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a tree of strings and numbers always serializes", e);
            }
        }

        private static void counters(ObjectNode node, UsageTotals t) {
            node.put("requests", t.requests())
                    .put("errors", t.errors())
                    .put("promptTokens", t.promptTokens())
                    .put("completionTokens", t.completionTokens())
                    .put("cachedPromptTokens", t.cachedPromptTokens())
                    .put("reasoningTokens", t.reasoningTokens())
                    .put("costMicros", t.costMicros())
                    .put("costUsd", new BigDecimal(Money.microsToUsd(t.costMicros())))
                    .put("cacheHits", t.cacheHits())
                    .put("cacheSavedTokens", t.cacheSavedTokens())
                    .put("cacheSavedMicros", t.cacheSavedMicros())
                    .put("cacheSavedUsd", new BigDecimal(Money.microsToUsd(t.cacheSavedMicros())));
        }
    };

    abstract void print(UsageReport report, PrintStream out);

    /** The format {@code --format} names. */
    static UsageReportFormat named(String option) {
        for (UsageReportFormat format : values()) {
            if (format.name().toLowerCase(Locale.ROOT).equals(option.strip())) {
                return format;
            }
        }
        throw new UsageError("--format: table, csv or json, not '" + option + "'");
    }
}
