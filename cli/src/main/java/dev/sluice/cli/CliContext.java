package dev.sluice.cli;

import dev.sluice.health.HealthStore;
import dev.sluice.store.DynamoDbHealthStore;
import dev.sluice.store.TableNames;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What every command gets from {@link GatewayCtl}: the environment (a map, so tests inject it; nothing here calls
 * {@code System.getenv}), where to print, the clock, and how to open the shared health store (tests pass a fake).
 */
record CliContext(Map<String, String> env, PrintStream out, PrintStream err, Clock clock, HealthStores healthStores) {

    CliContext(Map<String, String> env, PrintStream out, PrintStream err) {
        this(env, out, err, Clock.systemUTC(), CliContext::sharedHealth);
    }

    /** Opens the store the gateway's breakers publish to, on the client and tables a command was given. */
    @FunctionalInterface
    interface HealthStores {
        HealthStore open(DynamoDbClient dynamo, TableNames tables);
    }

    /** The health records live in the counters table, beside the quota counters, where the gateway writes them. */
    static HealthStore sharedHealth(DynamoDbClient dynamo, TableNames tables) {
        return new DynamoDbHealthStore(dynamo, tables.counters());
    }
}
