package dev.sluice.cli;

import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.store.TableNames;
import java.net.URI;
import java.util.Map;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Where the tables are: AWS itself (region {@code AWS_REGION}, the default credentials chain), or an endpoint, which
 * only signs with dummy credentials when it is declared an emulator. Table names come from the environment
 * ({@link TableNames#fromEnvironment}).
 */
final class TableOptions {
    @Option(
            names = "--dynamodb-endpoint",
            paramLabel = "URL",
            description = "DynamoDB endpoint instead of AWS (env SLUICE_DYNAMODB_ENDPOINT).")
    String endpoint;

    @Option(
            names = "--emulator",
            description = "The endpoint is an emulator (the dev stack, LocalStack, Floci): use dummy credentials "
                    + "(env SLUICE_AWS_EMULATOR=true).")
    boolean emulator;

    DynamoDbClient dynamo(Map<String, String> env) {
        return aws(env).dynamoDb(endpoint("DynamoDB", endpoint, env.get("SLUICE_DYNAMODB_ENDPOINT")));
    }

    /** The AWS clients of these options: dummy credentials for an endpoint only when it is declared an emulator. */
    AwsClients aws(Map<String, String> env) {
        AwsSettings settings = AwsSettings.fromEnvironment(env);
        return AwsClients.create(settings.withEmulator(settings.emulator() || emulator));
    }

    /** The endpoint {@code option} names, else {@code fallback} (its variable), else null for AWS itself. */
    static URI endpoint(String service, String option, String fallback) {
        String url = option != null ? option : fallback;
        return url == null || url.isBlank() ? null : endpointUri(service, url.strip());
    }

    static TableNames tables(Map<String, String> env) {
        return TableNames.fromEnvironment(env);
    }

    private static URI endpointUri(String service, String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getScheme() != null && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new UsageError(
                "the " + service + " endpoint must be a URL such as http://localhost:8000, not '" + url + "'");
    }
}
