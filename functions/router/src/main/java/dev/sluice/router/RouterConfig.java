package dev.sluice.router;

import dev.sluice.aws.AwsSettings;
import dev.sluice.store.TableNames;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything the router reads from its environment, read once at start. Nothing else in the router reads
 * environment variables.
 *
 * @param bindHost          the router listens on loopback by default: on Lambda the Web Adapter calls it there
 * @param dynamoDbEndpoint  null for AWS itself; set for DynamoDB Local, LocalStack or Floci
 * @param cacheTtl          how long keys and routes are remembered per instance (revocations take this long)
 * @param secretPrefix      prepended to a route's {@code secretRef} to name its Secrets Manager secret
 *                          ({@code SLUICE_SECRET_PREFIX}, e.g. {@code sluice/prod/}; the CDK stack sets it), so routes
 *                          say {@code "secretRef": "openai"} in every stage
 * @param emfMetrics        write per-request metrics as CloudWatch EMF lines ({@code SLUICE_METRICS=emf}; the CDK
 *                          stack sets it)
 * @param prometheusMetrics serve {@code GET /metrics} in the Prometheus format ({@code SLUICE_METRICS=prometheus};
 *                          both: {@code emf,prometheus}); for a router running as a plain server
 * @param snapStartHooks    the Web Adapter's SnapStart bridge is configured ({@code AWS_LWA_SNAPSTART_*} set): only
 *                          then do the hook paths prime and close clients; elsewhere a loopback caller could
 *                          otherwise disturb a running server
 * @param primeOnStart      run the SnapStart priming hooks before listening ({@code SLUICE_PRIME_ON_START=true}):
 *                          for measuring a primed cold start without SnapStart
 * @param aws               the AWS clients' timeouts ({@code SLUICE_AWS_API_CALL_TIMEOUT_MS}, default 2000;
 *                          {@code SLUICE_AWS_API_CALL_ATTEMPT_TIMEOUT_MS}, default 1000) and whether the endpoints
 *                          above are emulators ({@code SLUICE_AWS_EMULATOR=true}; dummy credentials only then)
 * @param limits            what the HTTP server allows slow, idle and oversized clients ({@link ServerLimits}:
 *                          {@code SLUICE_REQUEST_TIMEOUT_SECONDS}, {@code SLUICE_MAX_CONNECTIONS} and others)
 */
public record RouterConfig(
        String bindHost,
        int port,
        String region,
        TableNames tables,
        String usageStream,
        URI dynamoDbEndpoint,
        URI kinesisEndpoint,
        URI secretsManagerEndpoint,
        String secretPrefix,
        Duration cacheTtl,
        Duration secretTtl,
        long maxBodyBytes,
        boolean emfMetrics,
        boolean snapStartHooks,
        boolean primeOnStart,
        AwsSettings aws,
        ClientAddresses clientAddresses,
        ServerLimits limits,
        boolean prometheusMetrics) {

    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    public static RouterConfig fromEnvironment(Map<String, String> env) {
        return new RouterConfig(
                env.getOrDefault("SLUICE_BIND_HOST", "127.0.0.1"),
                Integer.parseInt(env.getOrDefault("PORT", env.getOrDefault("AWS_LWA_PORT", "8080"))),
                env.getOrDefault("AWS_REGION", "us-east-1"),
                TableNames.fromEnvironment(env),
                env.getOrDefault("SLUICE_USAGE_STREAM", "sluice-usage"),
                uri(env.get("SLUICE_DYNAMODB_ENDPOINT")),
                uri(env.get("SLUICE_KINESIS_ENDPOINT")),
                uri(env.get("SLUICE_SECRETSMANAGER_ENDPOINT")),
                env.getOrDefault("SLUICE_SECRET_PREFIX", ""),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("SLUICE_CACHE_TTL_SECONDS", "5"))),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("SLUICE_SECRET_TTL_SECONDS", "300"))),
                Long.parseLong(env.getOrDefault("SLUICE_MAX_BODY_BYTES", Long.toString(DEFAULT_MAX_BODY_BYTES))),
                metricsOutputs(env).contains("emf"),
                env.containsKey("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH")
                        || env.containsKey("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"),
                Boolean.parseBoolean(env.getOrDefault("SLUICE_PRIME_ON_START", "false")),
                AwsSettings.fromEnvironment(env),
                ClientAddresses.fromSetting(env.get("SLUICE_CLIENT_ADDRESS")),
                ServerLimits.fromEnvironment(env),
                metricsOutputs(env).contains("prometheus"));
    }

    /** {@code SLUICE_METRICS}: a comma-separated list of {@code emf} and {@code prometheus}. */
    private static Set<String> metricsOutputs(Map<String, String> env) {
        Set<String> outputs = new HashSet<>();
        for (String output : env.getOrDefault("SLUICE_METRICS", "").split(",")) {
            outputs.add(output.strip().toLowerCase(Locale.ROOT));
        }
        return outputs;
    }

    private static URI uri(String value) {
        return value == null || value.isBlank() ? null : URI.create(value);
    }
}
