package dev.sluice.auth;

import dev.sluice.error.GatewayException;
import java.time.Clock;
import java.time.Instant;

/**
 * Stage 1: the {@code Authorization: Bearer} header (or {@code x-api-key}) to a {@link Caller}: an active key of an
 * active tenant.
 *
 * <p>Cost per request: two look-ups through short-lived caches (the key and its tenant), a SHA-256 of the key.
 */
public final class Authenticator {
    private final KeyRepository keys;
    private final TenantRepository tenants;
    private final Clock clock;

    public Authenticator(KeyRepository keys, TenantRepository tenants, Clock clock) {
        this.keys = keys;
        this.tenants = tenants;
        this.clock = clock;
    }

    /**
     * @param clientAddress the caller's IP address as the HTTP layer determined it, or null when unknown
     */
    public Caller authenticate(String authorizationHeader, String apiKeyHeader, String clientAddress) {
        String presented = presentedKey(authorizationHeader, apiKeyHeader);
        Caller caller = callerOf(activeKey(ApiKeys.sha256Hex(presented)), null);
        if (!caller.tenant().allowedIps().allows(clientAddress)
                || !caller.key().allowedIps().allows(clientAddress)) {
            throw GatewayException.forbidden(
                    "ip_not_allowed", "Requests from this address are not allowed with this key.");
        }
        return caller;
    }

    /** The key with this hash, if it exists, is active and has not expired; 401 otherwise. */
    private ApiKey activeKey(String keyHash) {
        ApiKey key = keys.findByHash(keyHash)
                .orElseThrow(() -> GatewayException.invalidApiKey("Incorrect API key provided."));
        if (key.status() != ApiKey.Status.ACTIVE) {
            throw GatewayException.invalidApiKey("This API key has been revoked.");
        }
        Instant now = clock.instant();
        if (key.isExpiredAt(now)) {
            throw GatewayException.invalidApiKey("This API key has expired.");
        }
        return key;
    }

    private Caller callerOf(ApiKey key, Caller.Session session) {
        Tenant tenant = tenants.find(key.tenantId()).orElseGet(() -> Tenant.unrestricted(key.tenantId()));
        if (tenant.status() != Tenant.Status.ACTIVE) {
            throw GatewayException.forbidden("tenant_suspended", "This key's organization is suspended.");
        }
        return new Caller(tenant, key, session);
    }

    private static String presentedKey(String authorization, String apiKeyHeader) {
        if (authorization != null && !authorization.isBlank()) {
            String value = authorization.strip();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7) && value.length() > 7) {
                return value.substring(7).strip();
            }
            throw GatewayException.invalidApiKey("The Authorization header must be 'Bearer <API key>'.");
        }
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
            return apiKeyHeader.strip();
        }
        throw GatewayException.invalidApiKey(
                "You didn't provide an API key. Send it in the Authorization header " + "as 'Bearer <API key>'.");
    }
}
