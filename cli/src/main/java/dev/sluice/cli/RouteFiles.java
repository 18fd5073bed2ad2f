package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.json.Json;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRule;
import dev.sluice.route.RoutingStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Route files, in JSON or YAML (by extension: {@code .yaml} and {@code .yml} are YAML). A file holds either one route,
 * the format of the provider examples ({@code cli/routes/*.json}):
 * <pre>{@code
 * {"alias": "claude", "strategy": "priority", "deployments": [
 *   {"provider": "anthropic", "model": "claude-sonnet-4-5", "secretRef": "anthropic",
 *    "baseUrl": null, "timeoutSeconds": 60, "idleTimeoutSeconds": 60, "options": {"version": "2023-06-01"},
 *    "pricing": {"inputUsdPer1M": "3", "outputUsdPer1M": "15", "cachedInputUsdPer1M": "0.30"}},
 *   {"provider": "bedrock", "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
 *    "options": {"region": "us-east-1"}, "weight": 1, "priority": 1}]}
 * }</pre>
 * or a whole routing file, {@code {"routes": [ ... ]}}, which {@code routes apply} reads. Deployments are listed in
 * order of preference; {@code priority} groups them (lower first) and {@code weight} shares a group under the
 * {@code weighted} strategy. {@code timeouts: {firstByteSeconds, idleSeconds}} is another spelling of
 * {@code timeoutSeconds} and {@code idleTimeoutSeconds}. An optional {@code "retries": {"attemptsPerDeployment": 2,
 * "backoffMs": 200, "maxBackoffMs": 2000, "retryAfterCapSeconds": 10, "deadlineSeconds": 120}} retries each deployment
 * before moving on (defaults: once each, 120 s in all). {@code rules} send matching requests to another alias, and
 * {@code contextFallback} names the alias that retries a request too long for this one.
 *
 * <p>Every field is checked: a misspelled one is an error naming where it is ({@code routes[1].deployments[0]: unknown
 * field 'wieght'}), so a typo never silently falls back to a default.
 */
final class RouteFiles {
    private static final List<String> ROUTING_FILE_FIELDS = List.of("routes");
    private static final List<String> ROUTE_FIELDS =
            List.of("alias", "strategy", "deployments", "retries", "rules", "contextFallback", "cache", "guard");
    private static final List<String> DEPLOYMENT_FIELDS = List.of(
            "provider",
            "model",
            "baseUrl",
            "secretRef",
            "pricing",
            "timeoutSeconds",
            "idleTimeoutSeconds",
            "timeouts",
            "options",
            "weight",
            "priority");
    private static final List<String> PRICING_FIELDS =
            List.of("inputUsdPer1M", "outputUsdPer1M", "cachedInputUsdPer1M");
    private static final List<String> TIMEOUT_FIELDS = List.of("firstByteSeconds", "idleSeconds");
    private static final List<String> RETRY_FIELDS =
            List.of("attemptsPerDeployment", "backoffMs", "maxBackoffMs", "retryAfterCapSeconds", "deadlineSeconds");
    private static final List<String> RULE_FIELDS =
            List.of("target", "minPromptTokens", "maxPromptTokens", "images", "tools", "jsonMode", "anyTag", "tenants");

    private static final List<String> CACHE_FIELDS = List.of("mode", "ttlSeconds", "semantic");
    private static final List<String> SEMANTIC_FIELDS = List.of("embeddings", "threshold");
    private static final List<String> GUARD_FIELDS = List.of("pii", "deny", "bedrockGuardrail");
    private static final List<String> BEDROCK_GUARDRAIL_FIELDS = List.of("id", "version", "region");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private RouteFiles() {}

    /** The one route a file holds, for {@code routes put --file}; a routing file must hold exactly one. */
    static Route read(Path file) {
        List<Route> routes = readAll(file);
        if (routes.size() != 1) {
            throw new UsageError(
                    file + " holds " + routes.size() + " routes: write it with gatewayctl routes apply -f");
        }
        return routes.getFirst();
    }

    /**
     * Every route a file holds: one for a route file, all of them for a routing file. Each is valid on its own and the
     * aliases are distinct; whether rule targets exist depends on the table and is {@link RoutePlan}'s to check.
     */
    static List<Route> readAll(Path file) {
        JsonNode root = tree(file);
        if (root == null || !root.isObject()) {
            throw new UsageError(file + ": expected an object, a route or {routes: [...]}");
        }
        if (!root.has("routes")) {
            return List.of(route(root, ""));
        }
        knownFields(root, "", ROUTING_FILE_FIELDS);
        JsonNode list = root.get("routes");
        if (!list.isArray() || list.isEmpty()) {
            throw new UsageError(file + ": 'routes' must be a non-empty list");
        }
        List<Route> routes = new ArrayList<>();
        Map<String, String> whereDefined = new HashMap<>();
        for (JsonNode node : list) {
            String where = "routes[" + routes.size() + "]";
            Route route = route(node, where);
            String earlier = whereDefined.putIfAbsent(route.alias(), where);
            if (earlier != null) {
                throw new UsageError(where + ": alias '" + route.alias() + "' is already defined at " + earlier);
            }
            routes.add(route);
        }
        return routes;
    }

    private static JsonNode tree(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        try {
            byte[] bytes = Files.readAllBytes(file);
            return yaml ? YAML.readTree(bytes) : Json.read(bytes);
        } catch (IOException e) {
            throw new UsageError("cannot read route file " + file + ": " + e.getMessage());
        }
    }

    /** A route at {@code where} ("" for a single-route file, "routes[2]" inside a routing file). */
    private static Route route(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new UsageError(label(where) + ": a route must be an object");
        }
        knownFields(node, where, ROUTE_FIELDS);
        String alias = text(node, "alias", label(where));
        JsonNode list = node.path("deployments");
        if (!list.isArray() || list.isEmpty()) {
            throw new UsageError(label(where) + ": 'deployments' must be a non-empty array");
        }
        List<Deployment> deployments = new ArrayList<>();
        for (JsonNode d : list) {
            deployments.add(deployment(d, path(where, "deployments[" + deployments.size() + "]")));
        }
        List<RouteRule> rules = new ArrayList<>();
        JsonNode ruleList = node.path("rules");
        if (!ruleList.isMissingNode() && !ruleList.isNull() && !ruleList.isArray()) {
            throw new UsageError(path(where, "rules") + " must be a list");
        }
        for (JsonNode rule : ruleList) {
            rules.add(rule(rule, path(where, "rules[" + rules.size() + "]")));
        }
        try {
            return new Route(
                    alias,
                    deployments,
                    retries(node.path("retries"), path(where, "retries")),
                    RoutingStrategy.fromWireName(optionalText(node, "strategy", where)),
                    rules,
                    optionalText(node, "contextFallback", where),
                    cache(node.path("cache"), path(where, "cache")),
                    guard(node.path("guard"), path(where, "guard")));
        } catch (IllegalArgumentException e) {
            throw new UsageError(label(where) + ": " + e.getMessage());
        }
    }

    /**
     * {@code guard: {pii: off|redact|block, deny: ["pattern", ...], bedrockGuardrail: {id: gr1abc, version: 1,
     * region: eu-west-1}}}.
     */
    private static GuardPolicy guard(JsonNode guard, String where) {
        if (guard.isMissingNode() || guard.isNull()) {
            return GuardPolicy.OFF;
        }
        knownFields(guard, where, GUARD_FIELDS);
        JsonNode bedrock = guard.path("bedrockGuardrail");
        knownFields(bedrock, where + ".bedrockGuardrail", BEDROCK_GUARDRAIL_FIELDS);
        try {
            String pii = optionalText(guard, "pii", where);
            return GuardPolicy.of(
                    pii == null ? GuardPolicy.Mode.OFF : GuardPolicy.Mode.fromWireName(pii),
                    List.copyOf(strings(guard, "deny", where)),
                    bedrock.isMissingNode() || bedrock.isNull()
                            ? null
                            : new BedrockGuardrail(
                                    text(bedrock, "id", where + ".bedrockGuardrail"),
                                    // YAML reads "version: 1" as a number
                                    bedrock.path("version").isIntegralNumber()
                                            ? bedrock.path("version").asText()
                                            : text(bedrock, "version", where + ".bedrockGuardrail"),
                                    optionalText(bedrock, "region", where + ".bedrockGuardrail")));
        } catch (IllegalArgumentException e) {
            throw new UsageError(where + ": " + e.getMessage());
        }
    }

    /** {@code cache: {mode: auto|always|off, ttlSeconds: 3600, semantic: {embeddings: alias, threshold: 0.95}}}. */
    private static CachePolicy cache(JsonNode cache, String where) {
        if (cache.isMissingNode() || cache.isNull()) {
            return CachePolicy.DEFAULT;
        }
        knownFields(cache, where, CACHE_FIELDS);
        JsonNode semantic = cache.path("semantic");
        knownFields(semantic, where + ".semantic", SEMANTIC_FIELDS);
        try {
            String mode = optionalText(cache, "mode", where);
            return new CachePolicy(
                    mode == null ? CachePolicy.Mode.AUTO : CachePolicy.Mode.fromWireName(mode),
                    Duration.ofSeconds(integer(cache, "ttlSeconds", CachePolicy.DEFAULT_TTL.toSeconds(), where)),
                    semantic.isMissingNode() || semantic.isNull()
                            ? null
                            : new CachePolicy.Semantic(
                                    text(semantic, "embeddings", where + ".semantic"),
                                    semantic.path("threshold").isNumber()
                                            ? semantic.path("threshold").doubleValue()
                                            : CachePolicy.Semantic.DEFAULT_THRESHOLD));
        } catch (IllegalArgumentException e) {
            throw new UsageError(where + ": " + e.getMessage());
        }
    }

    private static Deployment deployment(JsonNode d, String where) {
        if (!d.isObject()) {
            throw new UsageError(where + ": a deployment must be an object");
        }
        knownFields(d, where, DEPLOYMENT_FIELDS);
        JsonNode pricing = d.path("pricing");
        knownFields(pricing, where + ".pricing", PRICING_FIELDS);
        Map<String, String> options = new LinkedHashMap<>();
        d.path("options").properties().forEach(e -> {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new UsageError(where + ".options." + e.getKey() + " must be a string or number");
            }
            options.put(e.getKey(), e.getValue().asText());
        });
        JsonNode timeouts = d.path("timeouts");
        knownFields(timeouts, where + ".timeouts", TIMEOUT_FIELDS);
        long firstByteSeconds = seconds(d, "timeoutSeconds", timeouts, "firstByteSeconds", where);
        long idleSeconds = seconds(d, "idleTimeoutSeconds", timeouts, "idleSeconds", where);
        try {
            return new Deployment(
                    text(d, "provider", where),
                    text(d, "model", where),
                    optionalText(d, "baseUrl", where),
                    optionalText(d, "secretRef", where),
                    new Pricing(
                            usd(pricing, "inputUsdPer1M", where),
                            usd(pricing, "outputUsdPer1M", where),
                            usd(pricing, "cachedInputUsdPer1M", where)),
                    Duration.ofSeconds(firstByteSeconds),
                    options,
                    Duration.ofSeconds(idleSeconds),
                    (int) integer(d, "weight", 1, where),
                    (int) integer(d, "priority", 0, where));
        } catch (IllegalArgumentException e) {
            throw new UsageError(where + ": " + e.getMessage());
        }
    }

    private static RouteRule rule(JsonNode rule, String where) {
        if (!rule.isObject()) {
            throw new UsageError(where + ": a rule must be an object");
        }
        knownFields(rule, where, RULE_FIELDS);
        try {
            return new RouteRule(
                    text(rule, "target", where),
                    optionalLong(rule, "minPromptTokens", where),
                    optionalLong(rule, "maxPromptTokens", where),
                    optionalBoolean(rule, "images", where),
                    optionalBoolean(rule, "tools", where),
                    optionalBoolean(rule, "jsonMode", where),
                    strings(rule, "anyTag", where),
                    strings(rule, "tenants", where));
        } catch (IllegalArgumentException e) {
            throw new UsageError(where + ": " + e.getMessage());
        }
    }

    private static RetryPolicy retries(JsonNode retries, String where) {
        if (retries.isMissingNode() || retries.isNull()) {
            return RetryPolicy.DEFAULT;
        }
        knownFields(retries, where, RETRY_FIELDS);
        RetryPolicy d = RetryPolicy.DEFAULT;
        try {
            return new RetryPolicy(
                    (int) integer(retries, "attemptsPerDeployment", d.attemptsPerDeployment(), where),
                    Duration.ofMillis(integer(retries, "backoffMs", d.backoff().toMillis(), where)),
                    Duration.ofMillis(
                            integer(retries, "maxBackoffMs", d.maxBackoff().toMillis(), where)),
                    Duration.ofSeconds(integer(
                            retries, "retryAfterCapSeconds", d.retryAfterCap().toSeconds(), where)),
                    Duration.ofSeconds(
                            integer(retries, "deadlineSeconds", d.deadline().toSeconds(), where)));
        } catch (IllegalArgumentException e) {
            throw new UsageError(where + ": " + e.getMessage());
        }
    }

    /**
     * A timeout in whole seconds, 60 when absent, at least 1: {@code field} of the deployment or {@code nested} of its
     * {@code timeouts}, not both (two values for one timeout would leave the reader guessing which one counts).
     */
    private static long seconds(JsonNode deployment, String field, JsonNode timeouts, String nested, String where) {
        boolean flat = deployment.has(field);
        boolean grouped = timeouts.has(nested);
        if (flat && grouped) {
            throw new UsageError(where + ": give " + field + " or timeouts." + nested + ", not both");
        }
        long seconds =
                grouped ? integer(timeouts, nested, 60, where + ".timeouts") : integer(deployment, field, 60, where);
        if (seconds < 1) {
            throw new UsageError(where + "." + (grouped ? "timeouts." + nested : field) + " must be at least 1");
        }
        return seconds;
    }

    private static void knownFields(JsonNode node, String where, List<String> known) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new UsageError(label(where) + " must be an object");
        }
        node.properties().forEach(field -> {
            if (!known.contains(field.getKey())) {
                throw new UsageError(label(where) + ": unknown field '" + field.getKey() + "' (known: "
                        + String.join(", ", known) + ")");
            }
        });
    }

    private static long integer(JsonNode node, String field, long fallback, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new UsageError(where + "." + field + " must be a whole number, not " + value);
        }
        return value.longValue();
    }

    private static Long optionalLong(JsonNode node, String field, String where) {
        return node.has(field) && !node.get(field).isNull() ? integer(node, field, 0, where) : null;
    }

    private static Boolean optionalBoolean(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw new UsageError(where + "." + field + " must be true or false, not " + value);
        }
        return value.booleanValue();
    }

    private static Set<String> strings(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Set.of();
        }
        if (!value.isArray()) {
            throw new UsageError(where + "." + field + " must be a list of strings");
        }
        Set<String> strings = new LinkedHashSet<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.textValue().isBlank()) {
                throw new UsageError(where + "." + field + " must be a list of strings, not " + value);
            }
            strings.add(item.textValue().strip());
        }
        return strings;
    }

    private static long usd(JsonNode pricing, String field, String where) {
        JsonNode value = pricing.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        try {
            return Money.usdToMicros(value.asText());
        } catch (UsageError e) {
            throw new UsageError(where + ".pricing." + field + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String field, String where) {
        String value = optionalText(node, field, where);
        if (value == null) {
            throw new UsageError(where + " needs '" + field + "'");
        }
        return value;
    }

    private static String optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new UsageError(path(where, field) + " must be a string, not " + value);
        }
        return value.textValue().isBlank() ? null : value.textValue().strip();
    }

    private static String path(String where, String field) {
        return where.isEmpty() ? field : where + "." + field;
    }

    /** How errors name a place: "the route" for the top of a single-route file. */
    private static String label(String where) {
        return where.isEmpty() ? "the route" : where;
    }
}
