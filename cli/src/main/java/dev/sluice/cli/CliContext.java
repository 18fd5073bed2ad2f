package dev.sluice.cli;

import dev.sluice.audit.AuditLog;
import dev.sluice.health.HealthStore;
import dev.sluice.store.DynamoDbAuditLog;
import dev.sluice.store.DynamoDbHealthStore;
import dev.sluice.store.TableNames;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What every command gets from {@link GatewayCtl}: the environment (a map, so tests inject it; nothing here calls
 * {@code System.getenv}), where to print, the clock, and how to open the shared health store and the audit log (tests
 * pass fakes).
 */
record CliContext(
        Map<String, String> env,
        PrintStream out,
        PrintStream err,
        Clock clock,
        HealthStores healthStores,
        AuditLogs auditLogs) {

    /** Who {@code gatewayctl} records as the actor of a change, before {@value #ACTOR_SUFFIX}. */
    static final String ACTOR_VARIABLE = "SLUICE_ACTOR";

    static final String ACTOR_SUFFIX = "@gatewayctl";

    CliContext(Map<String, String> env, PrintStream out, PrintStream err) {
        this(env, out, err, Clock.systemUTC(), CliContext::sharedHealth);
    }

    CliContext(Map<String, String> env, PrintStream out, PrintStream err, Clock clock, HealthStores healthStores) {
        this(env, out, err, clock, healthStores, CliContext::auditLog);
    }

    /** Opens the store the gateway's breakers publish to, on the client and tables a command was given. */
    @FunctionalInterface
    interface HealthStores {
        HealthStore open(DynamoDbClient dynamo, TableNames tables);
    }

    /** Opens the audit log every change is recorded in, on the client and tables a command was given. */
    @FunctionalInterface
    interface AuditLogs {
        AuditLog open(DynamoDbClient dynamo, TableNames tables);
    }

    /** The health records live in the counters table, beside the quota counters, where the gateway writes them. */
    static HealthStore sharedHealth(DynamoDbClient dynamo, TableNames tables) {
        return new DynamoDbHealthStore(dynamo, tables.counters());
    }

    /** The audit table ({@code SLUICE_AUDIT_TABLE}), which the gateway's admin API records in too. */
    static AuditLog auditLog(DynamoDbClient dynamo, TableNames tables) {
        return new DynamoDbAuditLog(dynamo, tables.audit());
    }

    /**
     * The actor of this run's changes: {@code SLUICE_ACTOR} when set (a CI job names itself there), otherwise the OS
     * user, followed by {@value #ACTOR_SUFFIX} so the log tells command-line actors from the admin API's key ids.
     */
    String actor() {
        String named = env.get(ACTOR_VARIABLE);
        String who = named == null || named.isBlank() ? System.getProperty("user.name", "unknown") : named.strip();
        return who.endsWith(ACTOR_SUFFIX) ? who : who + ACTOR_SUFFIX;
    }
}
