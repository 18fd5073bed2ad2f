package dev.sluice.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * Which entries to read, newest first: a time range and optional filters.
 *
 * @param from   the earliest instant, included
 * @param to     the latest instant, excluded
 * @param actor  only this actor; null for every actor
 * @param action only this action ({@code key.revoke}) or family ({@code key}: every {@code key.…}); null for all
 * @param target only this tenant id, key id, alias or session id; null for every target
 * @param limit  at most this many entries, the newest
 */
public record AuditQuery(Instant from, Instant to, String actor, String action, String target, int limit) {
    public AuditQuery {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        actor = blankToNull(actor);
        action = blankToNull(action);
        target = blankToNull(target);
    }

    /** Every entry from {@code from} to {@code to}, up to {@code limit}. */
    public static AuditQuery between(Instant from, Instant to, int limit) {
        return new AuditQuery(from, to, null, null, null, limit);
    }

    /** Whether {@code entry} is in the range and passes every filter given. */
    public boolean matches(AuditEntry entry) {
        return !entry.at().isBefore(from)
                && entry.at().isBefore(to)
                && (actor == null || actor.equals(entry.actor()))
                && (action == null
                        || action.equals(entry.action())
                        || entry.action().startsWith(action + "."))
                && (target == null || target.equals(entry.target()));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
