package dev.sluice.usage.aggregate;

import dev.sluice.usage.event.UsageEvent;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One row of the usage table: a tenant's usage of one model alias through one key on one UTC day. The sort key
 * ({@link #period()}) starts with the day so a tenant's rows for a day or a month are one {@code begins_with} query.
 */
public record AggregateKey(String tenantId, String day, String alias, String keyId) {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    public static AggregateKey of(UsageEvent event) {
        return new AggregateKey(
                event.tenantId(),
                DAY.format(Instant.ofEpochMilli(event.timestampMs())),
                event.alias() == null ? "-" : event.alias(),
                event.keyId() == null ? "-" : event.keyId());
    }

    public String period() {
        return "day#" + day + "#model#" + alias + "#key#" + keyId;
    }
}
