package dev.sluice.cli;

import dev.sluice.testing.LocalDynamoDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One gatewayctl run against the tables of DynamoDB Local: its exit status and what it printed. */
record CliRun(int status, String out, String err) {

    /** Runs {@code words} with {@code env} and {@code clock}, on the shared DynamoDB Local declared an emulator. */
    static CliRun of(Map<String, String> env, Clock clock, String... words) {
        List<String> argv = new ArrayList<>(List.of(words));
        argv.addAll(
                List.of("--dynamodb-endpoint", LocalDynamoDb.shared().endpoint().toString(), "--emulator"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext cli = new CliContext(
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                clock,
                CliContext::sharedHealth);
        int status = new GatewayCtl(cli).run(argv.toArray(String[]::new));
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
