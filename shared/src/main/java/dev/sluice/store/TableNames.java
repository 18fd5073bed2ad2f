package dev.sluice.store;

import java.util.Map;

/** The DynamoDB tables of one Sluice deployment; names come from configuration, never from constants. */
public record TableNames(String keys, String routes, String counters, String usage, String tenants, String cache) {

    /** The tables of deployments made before the response cache: its table takes the default name. */
    public TableNames(String keys, String routes, String counters, String usage, String tenants) {
        this(keys, routes, counters, usage, tenants, "sluice-response-cache");
    }

    /** Reads {@code SLUICE_KEYS_TABLE} etc., defaulting to {@code sluice-keys} etc. with an optional prefix. */
    public static TableNames fromEnvironment(Map<String, String> env) {
        String prefix = env.getOrDefault("SLUICE_TABLE_PREFIX", "sluice-");
        return new TableNames(
                env.getOrDefault("SLUICE_KEYS_TABLE", prefix + "keys"),
                env.getOrDefault("SLUICE_ROUTES_TABLE", prefix + "routes"),
                env.getOrDefault("SLUICE_COUNTERS_TABLE", prefix + "rate-counters"),
                env.getOrDefault("SLUICE_USAGE_TABLE", prefix + "usage"),
                env.getOrDefault("SLUICE_TENANTS_TABLE", prefix + "tenants"),
                env.getOrDefault("SLUICE_CACHE_TABLE", prefix + "response-cache"));
    }

    public static TableNames withPrefix(String prefix) {
        return new TableNames(
                prefix + "keys",
                prefix + "routes",
                prefix + "rate-counters",
                prefix + "usage",
                prefix + "tenants",
                prefix + "response-cache");
    }
}
