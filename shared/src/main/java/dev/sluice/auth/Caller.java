package dev.sluice.auth;

import dev.sluice.quota.Limits;
import dev.sluice.quota.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling, once authenticated: the tenant, the key (the parent key when a session token was presented) and
 * the session, if any. Every later stage asks this record, so each narrowing (tenant → key → session) is applied in
 * one place.
 *
 * @param keyHash the SHA-256 hex of the key presented (of the parent key for a session token): what a session token
 *                minted by this caller names as its parent; null when unknown
 */
public record Caller(Tenant tenant, ApiKey key, Session session, String keyHash) {

    /**
     * A session token's narrowing of its parent key.
     *
     * @param models empty means the parent's models
     * @param limits the token's own limits, counted apart from the parent's
     */
    public record Session(String tokenId, Set<String> models, Limits limits) {
        public Session {
            Objects.requireNonNull(tokenId, "tokenId");
            models = models == null ? Set.of() : Set.copyOf(models);
            limits = limits == null ? Limits.NONE : limits;
        }
    }

    public Caller {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(key, "key");
    }

    public static Caller of(Tenant tenant, ApiKey key) {
        return new Caller(tenant, key, null, null);
    }

    /** An admin key presented itself: may manage its tenant. */
    public boolean isAdmin() {
        return session == null && key.role() == ApiKey.Role.ADMIN;
    }

    public String tenantId() {
        return tenant.tenantId();
    }

    public String keyId() {
        return key.keyId();
    }

    /** "admin", "app" or "session": the key level usage events and logs record. */
    public String level() {
        return session != null ? "session" : key.role().wireName();
    }

    /** The session token's id, or null when a key was presented. */
    public String sessionId() {
        return session == null ? null : session.tokenId();
    }

    public boolean mayUse(String alias) {
        return tenant.mayUse(alias)
                && key.mayUse(alias)
                && (session == null
                        || session.models().isEmpty()
                        || session.models().contains(alias));
    }

    /** The limit scopes a request must pass, widest first. */
    public List<Scope> scopes() {
        List<Scope> scopes = new ArrayList<>(3);
        scopes.add(Scope.tenant(tenant.tenantId(), tenant.limits()));
        scopes.add(Scope.key(key.keyId(), key.limits()));
        if (session != null) {
            scopes.add(Scope.session(session.tokenId(), session.limits()));
        }
        return scopes;
    }
}
