package dev.sluice.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One management action, as the audit log keeps it: who did what to which tenant, key, route or session, when, through
 * which door, and the thing before and after as JSON ({@link AuditSnapshots}). Nothing here is ever a key or a token:
 * keys appear by id, and any {@code sk-sluice-…} text that slipped into a field is redacted on construction.
 *
 * @param id     random, unique: with {@code at} it makes the entry's sort key, so two actions in one millisecond are two
 *               entries
 * @param at     when the action was taken, to the millisecond (finer parts are dropped so the entry round-trips)
 * @param actor  gatewayctl: {@code SLUICE_ACTOR} or the OS user, then {@code @gatewayctl}; the admin API: the calling
 *               key's id
 * @param action such as {@code key.create}, {@code tenant.suspend}, {@code route.delete} ({@link AuditAction})
 * @param target the tenant id, key id, route alias or session id acted on
 * @param before JSON of the thing before the action; null when it did not exist
 * @param after  JSON of the thing after the action; null when it no longer exists
 */
public record AuditEntry(
        String id, Instant at, String actor, Source source, String action, String target, String before, String after) {

    /** How far back the log goes: entries expire (DynamoDB TTL) this long after the action. */
    public static final Duration RETENTION = Duration.ofDays(180);

    /** ISO-8601 in UTC with exactly three fraction digits, so the text sorts as the instants do. */
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern(
                    "uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private static final Pattern SECRET = Pattern.compile("sk-sluice-[^\\s'\",}\\]]+");
    private static final String REDACTED = "sk-sluice-…(redacted)";

    /** The door a management action came through. */
    public enum Source {
        ADMIN_API("admin-api"),
        GATEWAYCTL("gatewayctl");

        private final String wireName;

        Source(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Source fromWireName(String name) {
            for (Source source : values()) {
                if (source.wireName.equals(name)) {
                    return source;
                }
            }
            throw new IllegalArgumentException("source must be admin-api or gatewayctl, not '" + name + "'");
        }
    }

    public AuditEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(source, "source");
        requireText(actor, "actor");
        requireText(action, "action");
        requireText(target, "target");
        at = at.truncatedTo(ChronoUnit.MILLIS);
        actor = redact(actor);
        target = redact(target);
        before = redact(before);
        after = redact(after);
    }

    /** A new entry with a fresh id. */
    public static AuditEntry of(
            Instant at, String actor, Source source, String action, String target, String before, String after) {
        return new AuditEntry(
                UUID.randomUUID().toString().replace("-", ""), at, actor, source, action, target, before, after);
    }

    /** The UTC day of the action, {@code 2026-12-05}: the audit table's partition. */
    public String day() {
        return day(at);
    }

    /** The audit table's sort key: {@link #instant(Instant)}, {@code #}, the id. */
    public String sortKey() {
        return instant(at) + "#" + id;
    }

    public static String day(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }

    /** {@code 2026-12-05T19:00:00.120Z}: always three fraction digits, so text order is time order. */
    public static String instant(Instant instant) {
        return MILLIS.format(instant);
    }

    /** When the entry expires: {@link #RETENTION} after the action, in epoch seconds (the TTL attribute). */
    public long expiresAtEpochSecond() {
        return at.plus(RETENTION).getEpochSecond();
    }

    private static String redact(String text) {
        return text == null ? null : SECRET.matcher(text).replaceAll(REDACTED);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
