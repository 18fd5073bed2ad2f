package dev.sluice.aggregator;

import dev.sluice.usage.store.UsageTable;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * The aggregator's environment, read once per instance.
 *
 * @param emulator the endpoint override is an emulator that accepts any credentials ({@code SLUICE_AWS_EMULATOR=true});
 *                 any other override (a VPC endpoint) keeps the default credentials chain
 */
public record AggregatorConfig(String region, String usageTable, URI dynamoDbEndpoint, boolean emulator) {
    public static AggregatorConfig fromEnvironment(Map<String, String> env) {
        String endpoint = env.get("SLUICE_DYNAMODB_ENDPOINT");
        return new AggregatorConfig(
                env.getOrDefault("AWS_REGION", "us-east-1"),
                UsageTable.nameFromEnvironment(env),
                endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint),
                Boolean.parseBoolean(
                        env.getOrDefault("SLUICE_AWS_EMULATOR", "false").strip()));
    }

    /**
     * The one DynamoDB client of an instance: the URL-connection HTTP client and bounded timeouts, as the router's
     * clients (longer ones: a batch writes many rows). The aggregator needs no other AWS client, so it builds this one
     * itself rather than taking the core's client factory (and with it every client the router uses).
     */
    public DynamoDbClient dynamoDbClient() {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(10))
                        .build())
                .overrideConfiguration(
                        o -> o.apiCallTimeout(Duration.ofSeconds(15)).apiCallAttemptTimeout(Duration.ofSeconds(5)));
        if (dynamoDbEndpoint != null) {
            builder.endpointOverride(dynamoDbEndpoint);
            if (emulator) {
                builder.credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")));
            }
        }
        return builder.build();
    }
}
