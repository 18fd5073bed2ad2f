package dev.sluice.bench;

import dev.sluice.devstack.DevStack;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The dev stack's gauges for a soak. Item counts come from {@code DescribeTable} through a client of the benchmark's
 * own, with a short call timeout, so a stalled engine makes a reading fail rather than stop the report.
 */
final class StackGauges implements SoakRun.Gauges, AutoCloseable {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

    private final DevStack stack;
    private final DynamoDbClient dynamo;

    private StackGauges(DevStack stack, DynamoDbClient dynamo) {
        this.stack = stack;
        this.dynamo = dynamo;
    }

    static StackGauges of(DevStack stack) {
        DynamoDbClient client = DynamoDbClient.builder()
                .endpointOverride(stack.dynamoDbEndpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT).retryStrategy(r -> r.maxAttempts(1)))
                .build();
        return new StackGauges(stack, client);
    }

    @Override
    public int usageBacklog() {
        return stack.usageStream().pendingCount();
    }

    @Override
    public Map<String, Long> tableItems() {
        Map<String, Long> items = new LinkedHashMap<>();
        for (String table :
                new String[] {stack.tables().counters(), stack.tables().usage()}) {
            try {
                items.put(
                        table,
                        dynamo.describeTable(r -> r.tableName(table)).table().itemCount());
            } catch (RuntimeException e) {
                items.put(table, -1L);
            }
        }
        return items;
    }

    @Override
    public int dynamoDbPort() {
        return stack.dynamoDbEndpoint().getPort();
    }

    @Override
    public int routerPort() {
        return stack.routerUrl().getPort();
    }

    @Override
    public void close() {
        dynamo.close();
    }
}
