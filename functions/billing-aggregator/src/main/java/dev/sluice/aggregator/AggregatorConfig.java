package dev.sluice.aggregator;

import dev.sluice.store.TableNames;
import java.net.URI;
import java.util.Map;

/** The aggregator's environment, read once per instance. */
public record AggregatorConfig(String region, String usageTable, URI dynamoDbEndpoint) {
    public static AggregatorConfig fromEnvironment(Map<String, String> env) {
        String endpoint = env.get("SLUICE_DYNAMODB_ENDPOINT");
        return new AggregatorConfig(env.getOrDefault("AWS_REGION", "us-east-1"),
                TableNames.fromEnvironment(env).usage(),
                endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint));
    }
}
