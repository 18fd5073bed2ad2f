package dev.sluice.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds the AWS SDK clients once per instance: one {@link BufferedUrlConnectionHttpClient} (the JDK's own
 * connection, no 1 ms stale-connection check per call as with the SDK's URL-connection client), bounded call
 * and attempt timeouts from {@link AwsSettings}, and an optional endpoint override per service.
 *
 * <p>Credentials: the SDK's default chain (the function's role) always, except for a client whose endpoint is
 * overridden <i>and</i> whose settings declare an emulator: that one signs with fixed dummy credentials, which any
 * emulator accepts. An override alone is not enough, because a VPC endpoint or a proxy is an override too and needs
 * the real credentials.
 */
public final class AwsClients {
    private static final AwsCredentialsProvider EMULATOR_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    private final AwsSettings settings;
    private final Region region;
    private final SdkHttpClient http;

    private AwsClients(AwsSettings settings) {
        this.settings = settings;
        this.region = Region.of(settings.region());
        // The socket timeouts only back up the attempt timeout, which aborts a hung request first.
        this.http = BufferedUrlConnectionHttpClient.create(Duration.ofSeconds(3), Duration.ofSeconds(10));
    }

    public static AwsClients create(AwsSettings settings) {
        return new AwsClients(settings);
    }

    public DynamoDbClient dynamoDb(URI endpoint) {
        return configure(DynamoDbClient.builder(), endpoint).httpClient(http).build();
    }

    public KinesisClient kinesis(URI endpoint) {
        return configure(KinesisClient.builder(), endpoint).httpClient(http).build();
    }

    public SecretsManagerClient secretsManager(URI endpoint) {
        return configure(SecretsManagerClient.builder(), endpoint)
                .httpClient(http)
                .build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, URI endpoint) {
        builder.region(region)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(settings.apiCallTimeout())
                        .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
                        // Standard mode: 3 attempts, ~100 ms backoff. DynamoDB's legacy default (8 retries from
                        // 25 ms) would spend the whole call budget retrying a refused connection.
                        .retryStrategy(RetryMode.STANDARD)
                        .build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
            if (settings.emulator()) {
                builder.credentialsProvider(EMULATOR_CREDENTIALS);
            }
        }
        return builder;
    }
}
