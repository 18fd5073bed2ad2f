package dev.sluice.devstack;

import java.time.Duration;
import java.util.Map;

/**
 * How {@code gatewayctl dev} runs.
 *
 * @param environment where provider keys come from ({@code OPENAI_API_KEY}, {@code SLUICE_SECRET_*})
 * @param demoDelay   pause between demo-model words, so streaming is visible in a terminal
 * @param usagePoll   how often the in-process usage stream delivers to the aggregator
 */
public record DevOptions(
        String host,
        int routerPort,
        int dynamoDbPort,
        Duration demoDelay,
        Duration usagePoll,
        Map<String, String> environment) {

    public static DevOptions defaults(Map<String, String> environment) {
        return new DevOptions("127.0.0.1", 8080, 8000, Duration.ofMillis(30), Duration.ofMillis(500), environment);
    }

    public DevOptions withPorts(int router, int dynamoDb) {
        return new DevOptions(host, router, dynamoDb, demoDelay, usagePoll, environment);
    }

    public DevOptions withDemoDelay(Duration delay) {
        return new DevOptions(host, routerPort, dynamoDbPort, delay, usagePoll, environment);
    }
}
