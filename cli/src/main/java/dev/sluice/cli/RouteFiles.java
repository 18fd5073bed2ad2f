package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A route as a JSON file, the format the README's provider examples use ({@code cli/routes/*.json}):
 * <pre>{@code
 * {"alias": "claude", "deployments": [
 *   {"provider": "anthropic", "model": "claude-sonnet-4-5", "secretRef": "anthropic",
 *    "baseUrl": null, "timeoutSeconds": 60, "idleTimeoutSeconds": 60, "options": {"version": "2023-06-01"},
 *    "pricing": {"inputUsdPer1M": "3", "outputUsdPer1M": "15", "cachedInputUsdPer1M": "0.30"}},
 *   {"provider": "bedrock", "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
 *    "options": {"region": "us-east-1"}}]}
 * }</pre>
 * Deployments are in order of preference: later ones take over when earlier ones fail before answering. An optional
 * {@code "retries": {"attemptsPerDeployment": 2, "backoffMs": 200, "maxBackoffMs": 2000, "retryAfterCapSeconds": 10,
 * "deadlineSeconds": 120}} retries each deployment before moving on (defaults: once each, 120 s in all).
 */
final class RouteFiles {
    private static final java.util.List<String> DEPLOYMENT_FIELDS = java.util.List.of(
            "provider", "model", "baseUrl", "secretRef", "pricing", "timeoutSeconds", "idleTimeoutSeconds", "options");

    private RouteFiles() {}

    static Route read(Path file) {
        JsonNode root;
        try {
            root = Json.read(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UsageError("cannot read route file " + file + ": " + e.getMessage());
        }
        String alias = text(root, "alias", "the route");
        if (!root.path("deployments").isArray() || root.path("deployments").isEmpty()) {
            throw new UsageError("route file " + file + ": 'deployments' must be a non-empty array");
        }
        List<Deployment> deployments = new ArrayList<>();
        for (JsonNode d : root.get("deployments")) {
            String where = "deployments[" + deployments.size() + "]";
            d.properties().forEach(field -> {
                if (!DEPLOYMENT_FIELDS.contains(field.getKey())) {
                    throw new UsageError(where + ": unknown field '" + field.getKey() + "' (known: "
                            + String.join(", ", DEPLOYMENT_FIELDS) + ")");
                }
            });
            JsonNode pricing = d.path("pricing");
            Map<String, String> options = new LinkedHashMap<>();
            d.path("options").properties().forEach(e -> {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw new UsageError(where + ".options." + e.getKey() + " must be a string or number");
                }
                options.put(e.getKey(), e.getValue().asText());
            });
            long timeoutSeconds = seconds(d, "timeoutSeconds", where);
            long idleTimeoutSeconds = seconds(d, "idleTimeoutSeconds", where);
            deployments.add(new Deployment(
                    text(d, "provider", where),
                    text(d, "model", where),
                    d.path("baseUrl").textValue(),
                    d.path("secretRef").textValue(),
                    new Pricing(
                            usd(pricing, "inputUsdPer1M"),
                            usd(pricing, "outputUsdPer1M"),
                            usd(pricing, "cachedInputUsdPer1M")),
                    Duration.ofSeconds(timeoutSeconds),
                    options,
                    Duration.ofSeconds(idleTimeoutSeconds)));
        }
        return new Route(alias, deployments, retries(root.path("retries")));
    }

    private static RetryPolicy retries(JsonNode retries) {
        if (retries.isMissingNode() || retries.isNull()) {
            return RetryPolicy.DEFAULT;
        }
        RetryPolicy d = RetryPolicy.DEFAULT;
        try {
            return new RetryPolicy(
                    retries.path("attemptsPerDeployment").asInt(d.attemptsPerDeployment()),
                    Duration.ofMillis(
                            retries.path("backoffMs").asLong(d.backoff().toMillis())),
                    Duration.ofMillis(
                            retries.path("maxBackoffMs").asLong(d.maxBackoff().toMillis())),
                    Duration.ofSeconds(retries.path("retryAfterCapSeconds")
                            .asLong(d.retryAfterCap().toSeconds())),
                    Duration.ofSeconds(
                            retries.path("deadlineSeconds").asLong(d.deadline().toSeconds())));
        } catch (IllegalArgumentException e) {
            throw new UsageError("retries: " + e.getMessage());
        }
    }

    /** A timeout in whole seconds, 60 when absent, at least 1. */
    private static long seconds(JsonNode deployment, String field, String where) {
        long seconds = deployment.path(field).asLong(60);
        if (seconds < 1) {
            throw new UsageError(where + "." + field + " must be at least 1");
        }
        return seconds;
    }

    private static long usd(JsonNode pricing, String field) {
        JsonNode value = pricing.get(field);
        return value == null || value.isNull() ? 0 : Money.usdToMicros(value.asText());
    }

    private static String text(JsonNode node, String field, String where) {
        String value = node.path(field).textValue();
        if (value == null || value.isBlank()) {
            throw new UsageError(where + " needs '" + field + "'");
        }
        return value;
    }
}
