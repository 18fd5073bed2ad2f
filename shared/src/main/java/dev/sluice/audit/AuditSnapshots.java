package dev.sluice.audit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.session.SessionClaims;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.json.Json;
import dev.sluice.quota.Limits;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRule;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the audit log keeps of a tenant, key, route or session: every field that governs the gateway, in the names of
 * the tables (README, "Data"), sets sorted so one state always reads the same. Never a secret: a key by its id (no
 * key, no hash), a session by its id and claims (no token), a deployment's secret by reference, and provider options
 * or URL credentials that look secret as {@value #REDACTED}.
 */
public final class AuditSnapshots {
    static final String REDACTED = "(redacted)";
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i).*(key|secret|token|password|passwd|credential|auth|signature).*");

    private AuditSnapshots() {}

    public static String of(Tenant tenant) {
        if (tenant == null) {
            return null;
        }
        ObjectNode json = Json.MAPPER
                .createObjectNode()
                .put("tenantId", tenant.tenantId())
                .put("name", tenant.name())
                .put("status", tenant.status().name());
        strings(json, "models", tenant.allowedModels());
        json.set("limits", limits(tenant.limits()));
        strings(json, "allowIps", tenant.allowedIps().cidrs());
        return Json.writeString(json);
    }

    public static String of(ApiKey key) {
        if (key == null) {
            return null;
        }
        ObjectNode json = Json.MAPPER
                .createObjectNode()
                .put("keyId", key.keyId())
                .put("tenantId", key.tenantId())
                .put("name", key.name())
                .put("role", key.role().wireName())
                .put("status", key.status().name());
        strings(json, "models", key.allowedModels());
        json.set("limits", limits(key.limits()));
        strings(json, "allowIps", key.allowedIps().cidrs());
        if (key.expiresAt() == null) {
            json.putNull("expiresAt");
        } else {
            json.put("expiresAt", key.expiresAt().toString());
        }
        return Json.writeString(json);
    }

    /** A minted session token's claims: its id, parent key id, lifetime and narrowing; never the token or a hash. */
    public static String of(SessionClaims claims) {
        ObjectNode json = Json.MAPPER
                .createObjectNode()
                .put("sessionId", claims.tokenId())
                .put("tenantId", claims.tenantId())
                .put("parentKeyId", claims.parentKeyId())
                .put("parentRole", claims.parentRole())
                .put("issuedAt", claims.issuedAt().toString())
                .put("expiresAt", claims.expiresAt().toString());
        strings(json, "models", claims.models());
        ObjectNode limits = json.putObject("limits");
        new TreeMap<>(claims.limits()).forEach(limits::put);
        return Json.writeString(json);
    }

    public static String of(Route route) {
        if (route == null) {
            return null;
        }
        ObjectNode json = Json.MAPPER
                .createObjectNode()
                .put("alias", route.alias())
                .put("strategy", route.strategy().wireName());
        ArrayNode deployments = json.putArray("deployments");
        route.deployments().forEach(d -> deployment(deployments.addObject(), d));
        retries(json.putObject("retries"), route.retries());
        ArrayNode rules = json.putArray("rules");
        route.rules().forEach(rule -> rule(rules.addObject(), rule));
        json.put("contextFallback", route.contextFallback());
        cache(json.putObject("cache"), route.cache());
        GuardPolicy guard = route.guard();
        ObjectNode guardJson = json.putObject("guard").put("pii", guard.pii().wireName());
        guard.deny().forEach(guardJson.putArray("deny")::add);
        return Json.writeString(json);
    }

    private static void deployment(ObjectNode json, Deployment d) {
        json.put("provider", d.provider())
                .put("upstreamModel", d.upstreamModel())
                .put("baseUrl", withoutCredentials(d.baseUrl()))
                .put("secretRef", d.secretRef())
                .put("inputPerMillionMicros", d.pricing().inputPerMillion())
                .put("outputPerMillionMicros", d.pricing().outputPerMillion())
                .put("cachedInputPerMillionMicros", d.pricing().cachedInputPerMillion())
                .put("timeoutMs", d.timeout().toMillis())
                .put("idleTimeoutMs", d.idleTimeout().toMillis())
                .put("weight", d.weight())
                .put("priority", d.priority());
        ObjectNode options = json.putObject("options");
        new TreeMap<>(d.options())
                .forEach((name, value) ->
                        options.put(name, SECRET_NAME.matcher(name).matches() ? REDACTED : value));
    }

    private static void retries(ObjectNode json, RetryPolicy retries) {
        json.put("attemptsPerDeployment", retries.attemptsPerDeployment())
                .put("backoffMs", retries.backoff().toMillis())
                .put("maxBackoffMs", retries.maxBackoff().toMillis())
                .put("retryAfterCapMs", retries.retryAfterCap().toMillis())
                .put("deadlineMs", retries.deadline().toMillis());
    }

    private static void rule(ObjectNode json, RouteRule rule) {
        json.put("target", rule.target());
        if (rule.minPromptTokens() != null) {
            json.put("minPromptTokens", rule.minPromptTokens());
        }
        if (rule.maxPromptTokens() != null) {
            json.put("maxPromptTokens", rule.maxPromptTokens());
        }
        if (rule.images() != null) {
            json.put("images", rule.images());
        }
        if (rule.tools() != null) {
            json.put("tools", rule.tools());
        }
        if (rule.jsonMode() != null) {
            json.put("jsonMode", rule.jsonMode());
        }
        strings(json, "anyTag", rule.anyTag());
        strings(json, "tenants", rule.tenants());
    }

    private static void cache(ObjectNode json, CachePolicy cache) {
        json.put("mode", cache.mode().wireName()).put("ttlSeconds", cache.ttl().toSeconds());
        if (cache.semantic() != null) {
            json.putObject("semantic")
                    .put("embeddings", cache.semantic().embeddings())
                    .put("threshold", cache.semantic().threshold());
        }
    }

    /** Every dimension, 0 meaning no limit, so a change from or to unlimited shows as one. */
    private static ObjectNode limits(Limits limits) {
        return Json.MAPPER
                .createObjectNode()
                .put("rpm", limits.requestsPerMinute())
                .put("tpm", limits.tokensPerMinute())
                .put("maxConcurrent", limits.maxConcurrent())
                .put("budgetMicrosDay", limits.budgetMicrosPerDay())
                .put("budgetMicrosMonth", limits.budgetMicrosPerMonth());
    }

    private static void strings(ObjectNode json, String name, Collection<String> values) {
        ArrayNode array = json.putArray(name);
        new TreeSet<>(values).forEach(array::add);
    }

    /** {@code https://user:secret@host/v1} keeps its host and path and loses its user information. */
    private static String withoutCredentials(String url) {
        if (url == null) {
            return null;
        }
        try {
            URI uri = URI.create(url);
            if (uri.getRawUserInfo() == null) {
                return url;
            }
            return new URI(uri.getScheme(), REDACTED, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null)
                    .toString();
        } catch (IllegalArgumentException | URISyntaxException e) {
            return REDACTED; // not a URL we can take apart: keep nothing that might be a credential
        }
    }
}
