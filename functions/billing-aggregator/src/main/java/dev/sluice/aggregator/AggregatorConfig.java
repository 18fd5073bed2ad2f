package dev.sluice.aggregator;

import dev.sluice.aws.AwsSettings;
import dev.sluice.store.TableNames;
import java.net.URI;
import java.util.Map;

/** The aggregator's environment, read once per instance. */
/**
 * @param aws region, timeouts, and whether the endpoint override is an emulator ({@code SLUICE_AWS_EMULATOR=true})
 */
public record AggregatorConfig(AwsSettings aws, String usageTable, URI dynamoDbEndpoint) {
    public static AggregatorConfig fromEnvironment(Map<String, String> env) {
        String endpoint = env.get("SLUICE_DYNAMODB_ENDPOINT");
        return new AggregatorConfig(AwsSettings.fromEnvironment(env),
                TableNames.fromEnvironment(env).usage(),
                endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint));
    }
}
