package dev.sluice.audit;

import java.util.List;

/**
 * The append-only record of management actions (tenants, keys, routes, session tokens), kept
 * {@link AuditEntry#RETENTION}. Entries are only ever added: nothing updates or deletes one (expiry aside).
 */
public interface AuditLog {
    /**
     * Adds {@code entry}; fails rather than return when it could not be stored, so the caller can refuse the action it
     * records.
     *
     * @throws IllegalStateException when an entry with the same instant and id exists (entries are never replaced)
     */
    void append(AuditEntry entry);

    /** The entries the query selects, newest first. */
    List<AuditEntry> query(AuditQuery query);
}
