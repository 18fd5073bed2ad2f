package dev.sluice.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditQuery;
import java.io.PrintStream;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl audit}: the management actions recorded in the audit log (by gatewayctl and by the admin API),
 * newest first, filtered by days, actor, action and target.
 */
@Command(
        name = "audit",
        description = "Management actions (tenants, keys, routes, session tokens), newest first, with who made them "
                + "and what changed.",
        footer = {
            "",
            "Entries are kept 180 days. gatewayctl records its changes with the actor SLUICE_ACTOR (or the OS "
                    + "user) followed by @gatewayctl; the admin API with the calling key's id. One Query per day of "
                    + "the range."
        })
final class AuditCommand implements Callable<Integer> {
    static final int DEFAULT_DAYS = 7;
    private static final int MAX_DAYS = 366;
    private static final int MAX_LIMIT = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final CliContext cli;

    @Mixin
    TableOptions table;

    @Option(
            names = "--from",
            paramLabel = "YYYY-MM-DD",
            description = "The first day, UTC (default: " + (DEFAULT_DAYS - 1) + " days before --to).")
    String from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "The last day, included (default: today, UTC).")
    String to;

    @Option(names = "--actor", paramLabel = "A", description = "Only this actor (alice@gatewayctl, key_…).")
    String actor;

    @Option(
            names = "--action",
            paramLabel = "X",
            description = "Only this action (key.revoke), or a family of them (key: every key.… action).")
    String action;

    @Option(names = "--target", paramLabel = "T", description = "Only this tenant id, key id, alias or session id.")
    String target;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "100",
            description = "At most this many entries, the newest (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(
            names = "--format",
            paramLabel = "table|json",
            defaultValue = "table",
            description = "table (default; changes in one line) or json (every entry whole, before and after).")
    String format;

    AuditCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        LocalDate today = LocalDate.ofInstant(cli.clock().instant(), ZoneOffset.UTC);
        LocalDate last = to == null ? today : UsageReportCommand.day("--to", to);
        LocalDate first = from == null ? last.minusDays(DEFAULT_DAYS - 1) : UsageReportCommand.day("--from", from);
        if (first.isAfter(last)) {
            throw new UsageError("--from " + first + " is after --to " + last);
        }
        long days = ChronoUnit.DAYS.between(first, last) + 1;
        if (days > MAX_DAYS) {
            throw new UsageError("--from " + first + " to --to " + last + " is " + days + " days; at most " + MAX_DAYS);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new UsageError("--limit must be 1 to " + MAX_LIMIT + ", not " + limit);
        }
        boolean json = switch (format.strip()) {
            case "table" -> false;
            case "json" -> true;
            default -> throw new UsageError("--format: table or json, not '" + format + "'");
        };
        AuditQuery query = new AuditQuery(
                first.atStartOfDay(ZoneOffset.UTC).toInstant(),
                last.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                actor,
                action,
                target,
                limit);
        List<AuditEntry> entries;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            entries =
                    cli.auditLogs().open(dynamo, TableOptions.tables(cli.env())).query(query);
        }
        if (json) {
            printJson(first, last, entries, cli.out());
        } else {
            printTable(entries, cli.out());
        }
        return 0;
    }

    private static void printTable(List<AuditEntry> entries, PrintStream out) {
        int actorWidth = "ACTOR".length();
        int targetWidth = "TARGET".length();
        for (AuditEntry entry : entries) {
            actorWidth = Math.max(actorWidth, entry.actor().length());
            targetWidth = Math.max(targetWidth, entry.target().length());
        }
        String format = "%-24s  %-" + actorWidth + "s  %-10s  %-14s  %-" + targetWidth + "s  %s%n";
        out.printf(format, "AT", "ACTOR", "SOURCE", "ACTION", "TARGET", "CHANGE");
        for (AuditEntry entry : entries) {
            out.printf(
                    format,
                    AuditEntry.instant(entry.at()),
                    entry.actor(),
                    entry.source().wireName(),
                    entry.action(),
                    entry.target(),
                    AuditChanges.describe(entry.before(), entry.after()));
        }
    }

    private static void printJson(LocalDate first, LocalDate last, List<AuditEntry> entries, PrintStream out) {
        ObjectNode root = JSON.createObjectNode().put("from", first.toString()).put("to", last.toString());
        ArrayNode array = root.putArray("entries");
        for (AuditEntry entry : entries) {
            ObjectNode node = array.addObject()
                    .put("id", entry.id())
                    .put("at", AuditEntry.instant(entry.at()))
                    .put("actor", entry.actor())
                    .put("source", entry.source().wireName())
                    .put("action", entry.action())
                    .put("target", entry.target());
            node.set("before", AuditChanges.tree(entry.before()));
            node.set("after", AuditChanges.tree(entry.after()));
        }
        try {
            out.println(JSON.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
        }
    }
}
