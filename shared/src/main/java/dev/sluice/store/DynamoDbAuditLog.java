package dev.sluice.store;

import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditLog;
import dev.sluice.audit.AuditQuery;
import dev.sluice.aws.AwsFailures;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The audit log in DynamoDB: one item per entry, partition {@value SluiceTables#DAY} (the UTC day), sort key
 * {@value SluiceTables#AT} ({@code 2026-12-05T19:00:00.123Z#<id>}), {@value SluiceTables#EXPIRES_AT} (TTL) 180 days
 * after the action. Appending is a conditional PutItem that never replaces an item. A query reads one day at a time,
 * newest day first and newest first within it ({@code ScanIndexForward=false}), filters by actor, action and target on
 * the server, and stops reading once it has the entries asked for.
 */
public final class DynamoDbAuditLog implements AuditLog {
    /** After the last fraction digit ({@code …123Z}) and the {@code #}, any id sorts below this. */
    private static final String AFTER_ANY_ID = "#~";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbAuditLog(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void append(AuditEntry entry) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(SluiceTables.DAY, Attributes.s(entry.day()));
        item.put(SluiceTables.AT, Attributes.s(entry.sortKey()));
        item.put("id", Attributes.s(entry.id()));
        item.put("actor", Attributes.s(entry.actor()));
        item.put("source", Attributes.s(entry.source().wireName()));
        item.put("action", Attributes.s(entry.action()));
        item.put("target", Attributes.s(entry.target()));
        if (entry.before() != null) {
            item.put("before", Attributes.s(entry.before()));
        }
        if (entry.after() != null) {
            item.put("after", Attributes.s(entry.after()));
        }
        item.put(SluiceTables.EXPIRES_AT, Attributes.n(entry.expiresAtEpochSecond()));
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#at)")
                    .expressionAttributeNames(Map.of("#at", SluiceTables.AT)));
        } catch (ConditionalCheckFailedException exists) {
            throw new IllegalStateException("the audit log already holds an entry " + entry.sortKey(), exists);
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public List<AuditEntry> query(AuditQuery query) {
        List<AuditEntry> found = new ArrayList<>();
        Instant last = query.to().minusMillis(1);
        LocalDate first = day(query.from());
        for (LocalDate day = day(last); !day.isBefore(first) && found.size() < query.limit(); day = day.minusDays(1)) {
            int wanted = query.limit() - found.size();
            try {
                dynamo.queryPaginator(request(query, day, last)).items().stream()
                        .limit(wanted)
                        .map(DynamoDbAuditLog::entryOf)
                        .forEach(found::add);
            } catch (SdkException e) {
                throw AwsFailures.translate(e);
            }
        }
        return found;
    }

    /** One day's entries within the range, newest first, filtered on the server. */
    private QueryRequest request(AuditQuery query, LocalDate day, Instant last) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#day", SluiceTables.DAY);
        values.put(":day", Attributes.s(day.toString()));
        StringBuilder key = new StringBuilder("#day = :day");
        Instant dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant dayEnd = dayStart.plusSeconds(86_400);
        if (query.from().isAfter(dayStart) || last.isBefore(dayEnd.minusMillis(1))) {
            Instant low = query.from().isAfter(dayStart) ? query.from() : dayStart;
            Instant high = last.isBefore(dayEnd) ? last : dayEnd.minusMillis(1);
            names.put("#at", SluiceTables.AT);
            values.put(":low", Attributes.s(AuditEntry.instant(low)));
            values.put(":high", Attributes.s(AuditEntry.instant(high) + AFTER_ANY_ID));
            key.append(" AND #at BETWEEN :low AND :high");
        }
        List<String> filters = new ArrayList<>();
        if (query.actor() != null) {
            names.put("#actor", "actor");
            values.put(":actor", Attributes.s(query.actor()));
            filters.add("#actor = :actor");
        }
        if (query.action() != null) {
            names.put("#action", "action");
            values.put(":action", Attributes.s(query.action()));
            values.put(":family", Attributes.s(query.action() + "."));
            filters.add("(#action = :action OR begins_with(#action, :family))");
        }
        if (query.target() != null) {
            names.put("#target", "target");
            values.put(":target", Attributes.s(query.target()));
            filters.add("#target = :target");
        }
        QueryRequest.Builder request = QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression(key.toString())
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .scanIndexForward(false);
        if (!filters.isEmpty()) {
            request.filterExpression(String.join(" AND ", filters));
        }
        return request.build();
    }

    private static AuditEntry entryOf(Map<String, AttributeValue> item) {
        String sortKey = Attributes.string(item, SluiceTables.AT);
        return new AuditEntry(
                Attributes.string(item, "id"),
                Instant.parse(sortKey.substring(0, sortKey.indexOf('#'))),
                Attributes.string(item, "actor"),
                AuditEntry.Source.fromWireName(Attributes.string(item, "source")),
                Attributes.string(item, "action"),
                Attributes.string(item, "target"),
                Attributes.string(item, "before"),
                Attributes.string(item, "after"));
    }

    private static LocalDate day(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate();
    }
}
