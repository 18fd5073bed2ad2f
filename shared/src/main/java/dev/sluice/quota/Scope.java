package dev.sluice.quota;

import java.util.Objects;

/**
 * One set of limits a request must pass, and the counter item it is counted in.
 *
 * @param id   the counter item's id: {@code tenant#acme}, {@code key#key_1a2b…}, {@code session#sess_…}
 * @param kind what the client is told refused it: "tenant", "key" or "session token"
 */
public record Scope(String id, String kind, Limits limits) {
    public Scope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(limits, "limits");
    }

    public static Scope tenant(String tenantId, Limits limits) {
        return new Scope("tenant#" + tenantId, "tenant", limits);
    }

    public static Scope key(String keyId, Limits limits) {
        return new Scope("key#" + keyId, "key", limits);
    }

    public static Scope session(String tokenId, Limits limits) {
        return new Scope("session#" + tokenId, "session token", limits);
    }
}
