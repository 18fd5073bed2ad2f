package dev.sluice.auth;

import dev.sluice.auth.session.SessionClaims;
import dev.sluice.auth.session.SessionTokenSource;
import dev.sluice.auth.session.SessionTokens;
import dev.sluice.error.GatewayException;
import java.time.Clock;
import java.time.Instant;

/**
 * Stage 1: the {@code Authorization: Bearer} header (or {@code x-api-key}) to a {@link Caller}: an active key of an
 * active tenant, presented itself or through a session token it minted, from an address both allow.
 *
 * <p>A session token is verified by its signature alone; its parent key is then looked up by hash through the same
 * cache as a key, so revoking the parent revokes its tokens within the key cache's TTL.
 *
 * <p>Cost per request: two look-ups through short-lived caches (the key and its tenant), a SHA-256 of the key (or one
 * HMAC-SHA256 and two small JSON parses for a session token).
 */
public final class Authenticator {
    private final KeyRepository keys;
    private final TenantRepository tenants;
    private final SessionTokenSource sessions;
    private final Clock clock;

    /** @param sessions the session token codec, or null when session tokens are not accepted */
    public Authenticator(KeyRepository keys, TenantRepository tenants, SessionTokenSource sessions, Clock clock) {
        this.keys = keys;
        this.tenants = tenants;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** Accepts API keys only. */
    public Authenticator(KeyRepository keys, TenantRepository tenants, Clock clock) {
        this(keys, tenants, null, clock);
    }

    /**
     * @param clientAddress the caller's IP address as the HTTP layer determined it, or null when unknown
     */
    public Caller authenticate(String authorizationHeader, String apiKeyHeader, String clientAddress) {
        String presented = presentedKey(authorizationHeader, apiKeyHeader);
        Caller caller = SessionTokens.looksLikeSessionToken(presented)
                ? sessionCaller(presented)
                : keyCaller(ApiKeys.sha256Hex(presented));
        if (!caller.tenant().allowedIps().allows(clientAddress)
                || !caller.key().allowedIps().allows(clientAddress)) {
            throw GatewayException.forbidden(
                    "ip_not_allowed", "Requests from this address are not allowed with this key.");
        }
        return caller;
    }

    private Caller sessionCaller(String token) {
        if (sessions == null) {
            throw GatewayException.invalidApiKey("Session tokens are not enabled on this gateway.");
        }
        SessionClaims claims = sessions.tokens().verify(token);
        ApiKey parent = keys.findByHash(claims.parentKeyHash())
                .filter(key -> key.keyId().equals(claims.parentKeyId())
                        && key.tenantId().equals(claims.tenantId()))
                .orElseThrow(() -> GatewayException.invalidApiKey("Invalid session token."));
        if (parent.status() != ApiKey.Status.ACTIVE || parent.isExpiredAt(clock.instant())) {
            throw GatewayException.invalidApiKey("The key that issued this session token is no longer active.");
        }
        return callerOf(
                parent,
                new Caller.Session(claims.tokenId(), claims.models(), claims.limitsAsLimits()),
                claims.parentKeyHash());
    }

    private Caller keyCaller(String keyHash) {
        return callerOf(activeKey(keyHash), null, keyHash);
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

    private Caller callerOf(ApiKey key, Caller.Session session, String keyHash) {
        Tenant tenant = tenants.find(key.tenantId()).orElseGet(() -> Tenant.unrestricted(key.tenantId()));
        if (tenant.status() != Tenant.Status.ACTIVE) {
            throw GatewayException.forbidden("tenant_suspended", "This key's organization is suspended.");
        }
        return new Caller(tenant, key, session, keyHash);
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
