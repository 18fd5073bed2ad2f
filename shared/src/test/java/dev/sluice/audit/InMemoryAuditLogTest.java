package dev.sluice.audit;

class InMemoryAuditLogTest extends AuditLogContract {
    @Override
    protected AuditLog log() {
        return new InMemoryAuditLog();
    }
}
