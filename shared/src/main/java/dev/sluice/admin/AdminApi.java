package dev.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.JsonBodies;
import dev.sluice.audit.AuditAction;
import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditLog;
import dev.sluice.audit.AuditSnapshots;
import dev.sluice.audit.AuditedKeyRepository;
import dev.sluice.audit.Auditor;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.Caller;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.StoredKey;
import dev.sluice.auth.session.SessionClaims;
import dev.sluice.auth.session.SessionTokenSource;
import dev.sluice.auth.session.SessionTokens;
import dev.sluice.error.GatewayException;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.json.Json;
import dev.sluice.pipeline.GatewayRequest;
import dev.sluice.quota.Limits;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.UsageRow;
import dev.sluice.usage.store.UsageStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The management API under {@code /sluice/v1/}, in OpenAI's error format. An app or admin key mints session tokens
 * ({@code POST /sluice/v1/sessions}); a tenant's admin key also manages that tenant's app keys ({@code GET|POST
 * /sluice/v1/keys}, {@code DELETE /sluice/v1/keys/{id}}) and reads its usage ({@code GET /sluice/v1/usage}). A key
 * never sees or touches another tenant: a key id of another tenant is answered like one that does not exist.
 *
 * <p>Every action that changes something (a key created or revoked, a session token minted) is first recorded in the
 * audit log with the calling key's id as the actor; when the record cannot be written, the action is refused with
 * the store's error and nothing changes.
 */
public final class AdminApi {
    /** A session token's lifetime when the request names none. */
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(1);

    private final Authenticator authenticator;
    private final KeyRepository keys;
    private final SessionTokenSource sessions;
    private final UsageStore usage;
    private final AuditLog audit;
    private final Clock clock;

    public AdminApi(
            Authenticator authenticator,
            KeyRepository keys,
            SessionTokenSource sessions,
            UsageStore usage,
            AuditLog audit,
            Clock clock) {
        this.authenticator = authenticator;
        this.keys = keys;
        this.sessions = sessions;
        this.usage = usage;
        this.audit = audit;
        this.clock = clock;
    }

    /** {@code POST /sluice/v1/sessions}: a session token narrowing the calling key's models and limits. */
    public void createSession(GatewayRequest in, ResponseChannel out) {
        answer(in, out, caller -> {
            if (caller.session() != null) {
                throw GatewayException.forbidden(
                        "insufficient_permissions", "A session token cannot mint session tokens; use an API key.");
            }
            SessionClaims claims = sessionClaims(caller, JsonBodies.object(in.body()));
            String token = sessions.tokens().mint(claims);
            // Minting writes nothing: the token exists once it is answered. So record it after minting and before
            // answering; if the record fails, the token is never handed out.
            auditor(caller).record(AuditAction.SESSION_MINT, claims.tokenId(), null, AuditSnapshots.of(claims));
            ObjectNode session = Json.MAPPER
                    .createObjectNode()
                    .put("object", "session")
                    .put("id", claims.tokenId())
                    .put("token", token)
                    .put("expires_at", claims.expiresAt().getEpochSecond());
            ArrayNode list = session.putArray("models");
            new TreeSet<>(claims.models()).forEach(list::add);
            session.set("limits", Requests.limitsJson(claims.limitsAsLimits()));
            return session;
        });
    }

    /** The claims a session request asks for, each checked: a lifetime up to 24 h, models the caller may use. */
    private SessionClaims sessionClaims(Caller caller, ObjectNode body) {
        Duration ttl = Duration.ofSeconds(Requests.integer(body, "ttl_seconds", DEFAULT_SESSION_TTL.toSeconds()));
        if (ttl.isZero() || ttl.compareTo(SessionTokens.MAX_TTL) > 0) {
            throw GatewayException.invalidRequest(
                    "ttl_seconds must be between 1 and " + SessionTokens.MAX_TTL.toSeconds() + ".", "ttl_seconds");
        }
        Set<String> models = Requests.strings(body, "models");
        for (String model : models) {
            if (!caller.mayUse(model)) {
                throw GatewayException.invalidRequest(
                        "The model '" + model + "' is not available to this key.", "models");
            }
        }
        Instant now = clock.instant();
        return new SessionClaims(
                SessionTokens.newTokenId(),
                caller.tenantId(),
                caller.keyId(),
                caller.keyHash(),
                caller.key().role().wireName(),
                now,
                now.plus(ttl),
                models,
                SessionClaims.limitsOf(Requests.limits(body)));
    }

    /** {@code GET /sluice/v1/keys}: the tenant's keys, never a key or its hash. */
    public void listKeys(GatewayRequest in, ResponseChannel out) {
        answer(in, out, caller -> {
            requireAdmin(caller);
            ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            for (StoredKey stored : keys.findByTenant(caller.tenantId())) {
                data.add(keyJson(stored.key()));
            }
            return list;
        });
    }

    /** {@code POST /sluice/v1/keys}: a new app key of the caller's tenant, shown once in {@code key}. */
    public void createKey(GatewayRequest in, ResponseChannel out) {
        answer(in, out, caller -> {
            requireAdmin(caller);
            String plain = ApiKeys.newKey();
            String hash = ApiKeys.sha256Hex(plain);
            ApiKey key = appKey(caller, ApiKeys.keyIdFor(hash), JsonBodies.object(in.body()));
            audited(caller).put(hash, key);
            return keyJson(key).put("key", plain);
        });
    }

    /** The app key a create request describes, each field checked against the caller's tenant. */
    private ApiKey appKey(Caller caller, String keyId, ObjectNode body) {
        Limits limits = Requests.limits(body);
        if (!caller.tenant().limits().contains(limits)) {
            throw GatewayException.invalidRequest("A key's limits can only narrow its tenant's limits.", "limits");
        }
        Set<String> models = Requests.strings(body, "models");
        for (String model : models) {
            if (!caller.tenant().mayUse(model)) {
                throw GatewayException.invalidRequest(
                        "The model '" + model + "' is not available to this tenant.", "models");
            }
        }
        IpAllowlist allowlist;
        try {
            allowlist = IpAllowlist.parse(new ArrayList<>(Requests.strings(body, "allow_ips")));
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest(e.getMessage(), "allow_ips");
        }
        long days = Requests.integer(body, "expires_in_days", 0);
        return new ApiKey(
                keyId,
                caller.tenantId(),
                body.path("name").asText(""),
                ApiKey.Role.APP,
                ApiKey.Status.ACTIVE,
                models,
                limits,
                days > 0 ? clock.instant().plus(Duration.ofDays(days)) : null,
                allowlist);
    }

    /** {@code DELETE /sluice/v1/keys/{id}}: revokes one of the tenant's app keys (and so its session tokens). */
    public void revokeKey(GatewayRequest in, String keyId, ResponseChannel out) {
        answer(in, out, caller -> {
            requireAdmin(caller);
            StoredKey stored = keys.findById(keyId)
                    .filter(found -> found.key().tenantId().equals(caller.tenantId()))
                    .orElseThrow(() -> GatewayException.notFound("No key '" + keyId + "' in this organization."));
            if (stored.key().role() != ApiKey.Role.APP) {
                throw GatewayException.forbidden(
                        "insufficient_permissions", "Admin keys are revoked with gatewayctl, not over the API.");
            }
            ApiKey revoked = stored.key().withStatus(ApiKey.Status.REVOKED);
            audited(caller).put(stored.keyHash(), revoked);
            return keyJson(revoked).put("deleted", true);
        });
    }

    /** {@code GET /sluice/v1/usage?period=2026-12}: the tenant's usage rows by day, model and key. */
    public void usage(GatewayRequest in, String period, ResponseChannel out) {
        answer(in, out, caller -> {
            requireAdmin(caller);
            String prefix = period == null ? "" : period;
            if (!prefix.matches("(\\d{4}(-\\d{2}(-\\d{2})?)?)?")) {
                throw GatewayException.invalidRequest("period must be YYYY, YYYY-MM or YYYY-MM-DD.", "period");
            }
            ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            for (UsageRow row : usage.query(caller.tenantId(), "day#" + prefix)) {
                UsageTotals totals = row.totals();
                data.addObject()
                        .put("day", row.day())
                        .put("model", row.alias())
                        .put("key_id", row.keyId())
                        .put("requests", totals.requests())
                        .put("errors", totals.errors())
                        .put("prompt_tokens", totals.promptTokens())
                        .put("completion_tokens", totals.completionTokens())
                        .put("cost_micros_usd", totals.costMicros())
                        .put("cache_hits", totals.cacheHits())
                        .put("cache_saved_tokens", totals.cacheSavedTokens())
                        .put("cache_saved_micros_usd", totals.cacheSavedMicros());
            }
            return list;
        });
    }

    private void answer(GatewayRequest in, ResponseChannel out, Function<Caller, JsonNode> body) {
        ErrorResponder.answer(
                out,
                in.requestId(),
                OpenAiErrorFormat.INSTANCE,
                () -> body.apply(
                        authenticator.authenticate(in.authorization(), in.apiKeyHeader(), in.clientAddress())));
    }

    /** The keys as the caller changes them: each write recorded first, the calling key's id as the actor. */
    private KeyRepository audited(Caller caller) {
        return new AuditedKeyRepository(keys, auditor(caller));
    }

    /** The actor is the calling key's id; for a session token, its subject, the key that minted it. */
    private Auditor auditor(Caller caller) {
        return Auditor.of(audit, AuditEntry.Source.ADMIN_API, caller.keyId(), clock);
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.isAdmin()) {
            throw GatewayException.forbidden(
                    "insufficient_permissions", "This operation needs the organization's admin key.");
        }
    }

    private static ObjectNode keyJson(ApiKey key) {
        ObjectNode json = Json.MAPPER
                .createObjectNode()
                .put("object", "api_key")
                .put("id", key.keyId())
                .put("name", key.name())
                .put("role", key.role().wireName())
                .put("status", key.status().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode models = json.putArray("models");
        new TreeSet<>(key.allowedModels()).forEach(models::add);
        json.set("limits", Requests.limitsJson(key.limits()));
        ArrayNode ips = json.putArray("allow_ips");
        key.allowedIps().cidrs().forEach(ips::add);
        if (key.expiresAt() != null) {
            json.put("expires_at", key.expiresAt().getEpochSecond());
        } else {
            json.putNull("expires_at");
        }
        return json;
    }
}
