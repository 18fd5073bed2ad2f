package dev.sluice.aggregator;

import dev.sluice.usage.store.UsageTable;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/** The aggregator's environment, read once per instance. */
public record AggregatorConfig(String region, String usageTable, URI dynamoDbEndpoint) {
    public static AggregatorConfig fromEnvironment(Map<String, String> env) {
        String endpoint = env.get("SLUICE_DYNAMODB_ENDPOINT");
        return new AggregatorConfig(env.getOrDefault("AWS_REGION", "us-east-1"), UsageTable.nameFromEnvironment(env),
                endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint));
    }

    /**
     * The one DynamoDB client of an instance: the URL-connection HTTP client and bounded timeouts, as the router's
     * clients. An endpoint override (an emulator, a VPC endpoint) keeps the default credentials chain: the function's
     * role in Lambda, the environment's keys elsewhere. The aggregator needs no other AWS client, so it builds this
     * one itself rather than taking the core's client factory (and with it every client the router uses).
     */
    public DynamoDbClient dynamoDbClient() {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(10))
                        .build())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(15))
                        .apiCallAttemptTimeout(Duration.ofSeconds(5)));
        if (dynamoDbEndpoint != null) {
            builder.endpointOverride(dynamoDbEndpoint);
        }
        return builder.build();
    }
}
