package dev.sluice.audit;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/** The audit log in one process: tests, and the router's wiring where nothing is stored (priming, stand-ins). */
public final class InMemoryAuditLog implements AuditLog {
    private final ConcurrentSkipListMap<String, AuditEntry> entries =
            new ConcurrentSkipListMap<>(Comparator.reverseOrder());

    @Override
    public void append(AuditEntry entry) {
        if (entries.putIfAbsent(entry.sortKey(), entry) != null) {
            throw new IllegalStateException("the audit log already holds an entry " + entry.sortKey());
        }
    }

    @Override
    public List<AuditEntry> query(AuditQuery query) {
        return entries.values().stream()
                .filter(query::matches)
                .limit(query.limit())
                .toList();
    }
}
