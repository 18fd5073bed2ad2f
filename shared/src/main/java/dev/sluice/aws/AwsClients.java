package dev.sluice.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds the AWS SDK clients once per instance: the URL-connection HTTP client (small, fast to start), explicit
 * timeouts, and an optional endpoint override so the same code runs against DynamoDB Local, the Kinesis emulator,
 * LocalStack or Floci. Without an override the SDK's default credentials chain applies (the function's role).
 */
public final class AwsClients {
    private final Region region;
    private final SdkHttpClient http;

    public AwsClients(String region) {
        this.region = Region.of(region == null || region.isBlank() ? "us-east-1" : region);
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(3))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
    }

    public DynamoDbClient dynamoDb(URI endpoint) {
        return configure(DynamoDbClient.builder(), endpoint).httpClient(http).build();
    }

    public KinesisClient kinesis(URI endpoint) {
        return configure(KinesisClient.builder(), endpoint).httpClient(http).build();
    }

    public SecretsManagerClient secretsManager(URI endpoint) {
        return configure(SecretsManagerClient.builder(), endpoint).httpClient(http).build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, URI endpoint) {
        builder.region(region)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(Duration.ofSeconds(15))
                        .apiCallAttemptTimeout(Duration.ofSeconds(5))
                        .build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint).credentialsProvider(emulatorCredentials());
        }
        return builder;
    }

    /** Emulators accept any credentials; real AWS endpoints are reached without an override. */
    private static AwsCredentialsProvider emulatorCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    }
}
