package dev.sluice.audit;

/** The management actions the audit log records, by the name entries carry ({@code key.revoke}). */
public enum AuditAction {
    TENANT_CREATE("tenant.create"),
    /** A tenant's limits changed and nothing else. */
    TENANT_LIMITS("tenant.limits"),
    TENANT_UPDATE("tenant.update"),
    TENANT_SUSPEND("tenant.suspend"),
    TENANT_RESUME("tenant.resume"),
    KEY_CREATE("key.create"),
    /** A key's limits changed and nothing else. */
    KEY_LIMITS("key.limits"),
    KEY_UPDATE("key.update"),
    KEY_REVOKE("key.revoke"),
    ROUTE_PUT("route.put"),
    ROUTE_DELETE("route.delete"),
    SESSION_MINT("session.mint");

    private final String wireName;

    AuditAction(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
