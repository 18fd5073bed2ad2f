package dev.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.quota.Limits;
import java.util.LinkedHashSet;
import java.util.Set;

/** The admin API's request fields, read strictly: a wrong type is a 400 naming the field, never a default. */
final class Requests {
    private Requests() {}

    static long integer(ObjectNode body, String field, long fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToExactIntegral() || !value.canConvertToLong() || value.asLong() < 0) {
            throw GatewayException.invalidRequest(field + " must be a non-negative integer.", field);
        }
        return value.asLong();
    }

    static Set<String> strings(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return Set.of();
        }
        if (!value.isArray()) {
            throw GatewayException.invalidRequest(field + " must be an array of strings.", field);
        }
        Set<String> strings = new LinkedHashSet<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.asText().isBlank()) {
                throw GatewayException.invalidRequest(field + " must be an array of strings.", field);
            }
            strings.add(item.asText());
        }
        return strings;
    }

    /** {@code limits: {rpm, tpm, max_concurrent, budget_micros_usd_day, budget_micros_usd_month}}, all optional. */
    static Limits limits(ObjectNode body) {
        JsonNode limits = body.get("limits");
        if (limits == null || limits.isNull()) {
            return Limits.NONE;
        }
        if (!(limits instanceof ObjectNode object)) {
            throw GatewayException.invalidRequest("limits must be an object.", "limits");
        }
        for (var names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("rpm", "tpm", "max_concurrent", "budget_micros_usd_day", "budget_micros_usd_month")
                    .contains(name)) {
                throw GatewayException.invalidRequest("Unknown limit '" + name + "'.", "limits");
            }
        }
        return new Limits(
                integer(object, "rpm", 0),
                integer(object, "tpm", 0),
                integer(object, "max_concurrent", 0),
                integer(object, "budget_micros_usd_day", 0),
                integer(object, "budget_micros_usd_month", 0));
    }

    static ObjectNode limitsJson(Limits limits) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        putIfSet(json, "rpm", limits.requestsPerMinute());
        putIfSet(json, "tpm", limits.tokensPerMinute());
        putIfSet(json, "max_concurrent", limits.maxConcurrent());
        putIfSet(json, "budget_micros_usd_day", limits.budgetMicrosPerDay());
        putIfSet(json, "budget_micros_usd_month", limits.budgetMicrosPerMonth());
        return json;
    }

    private static void putIfSet(ObjectNode json, String name, long value) {
        if (value > 0) {
            json.put(name, value);
        }
    }
}
