package dev.sluice.store;

import java.util.Map;

/**
 * The DynamoDB tables of one Sluice deployment; names come from configuration, never from constants.
 *
 * @param outbox usage events that Kinesis refused or did not take in time, until they are replayed into the stream
 * @param audit  the append-only record of management actions
 */
public record TableNames(
        String keys,
        String routes,
        String counters,
        String usage,
        String tenants,
        String cache,
        String outbox,
        String audit) {

    /** The tables of deployments made before the usage outbox and the audit log: those take the default names. */
    public TableNames(String keys, String routes, String counters, String usage, String tenants, String cache) {
        this(keys, routes, counters, usage, tenants, cache, "sluice-usage-outbox", "sluice-audit");
    }

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
                env.getOrDefault("SLUICE_CACHE_TABLE", prefix + "response-cache"),
                env.getOrDefault("SLUICE_OUTBOX_TABLE", prefix + "usage-outbox"),
                env.getOrDefault("SLUICE_AUDIT_TABLE", prefix + "audit"));
    }

    public static TableNames withPrefix(String prefix) {
        return new TableNames(
                prefix + "keys",
                prefix + "routes",
                prefix + "rate-counters",
                prefix + "usage",
                prefix + "tenants",
                prefix + "response-cache",
                prefix + "usage-outbox",
                prefix + "audit");
    }
}
