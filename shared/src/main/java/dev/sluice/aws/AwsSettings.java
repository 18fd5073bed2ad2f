package dev.sluice.aws;

import java.time.Duration;
import java.util.Map;

/**
 * How the AWS SDK clients are built, read once from the environment.
 *
 * @param region                the clients' region ({@code AWS_REGION}, default us-east-1)
 * @param emulator              the endpoint overrides name an emulator (DynamoDB Local, LocalStack, Floci, the
 *                              Kinesis emulator) that accepts any credentials ({@code SLUICE_AWS_EMULATOR=true}).
 *                              Only then do clients with an override sign with fixed dummy credentials; a plain
 *                              override (a VPC endpoint, a proxy) keeps the default credentials chain
 * @param apiCallTimeout        the most one SDK call may take, retries included
 *                              ({@code SLUICE_AWS_API_CALL_TIMEOUT_MS})
 * @param apiCallAttemptTimeout the most one attempt may take ({@code SLUICE_AWS_API_CALL_ATTEMPT_TIMEOUT_MS}), so a
 *                              hung connection is abandoned and retried within the call's budget
 */
public record AwsSettings(String region, boolean emulator, Duration apiCallTimeout, Duration apiCallAttemptTimeout) {
    /** Router reads and writes take milliseconds; two seconds means AWS is in trouble, and the client gets a 503. */
    public static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofSeconds(2);

    public static final Duration DEFAULT_API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    public static final String DEFAULT_REGION = "us-east-1";

    public AwsSettings {
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
        if (!apiCallTimeout.isPositive() || !apiCallAttemptTimeout.isPositive()) {
            throw new IllegalArgumentException(
                    "AWS call timeouts must be positive: " + apiCallTimeout + ", " + apiCallAttemptTimeout);
        }
    }

    /** Real AWS in {@code region}: the default credentials chain and the default timeouts. */
    public static AwsSettings of(String region) {
        return new AwsSettings(region, false, DEFAULT_API_CALL_TIMEOUT, DEFAULT_API_CALL_ATTEMPT_TIMEOUT);
    }

    public static AwsSettings fromEnvironment(Map<String, String> env) {
        return new AwsSettings(
                env.get("AWS_REGION"),
                Boolean.parseBoolean(
                        env.getOrDefault("SLUICE_AWS_EMULATOR", "false").strip()),
                millis(env, "SLUICE_AWS_API_CALL_TIMEOUT_MS", DEFAULT_API_CALL_TIMEOUT),
                millis(env, "SLUICE_AWS_API_CALL_ATTEMPT_TIMEOUT_MS", DEFAULT_API_CALL_ATTEMPT_TIMEOUT));
    }

    public AwsSettings withEmulator(boolean emulator) {
        return new AwsSettings(region, emulator, apiCallTimeout, apiCallAttemptTimeout);
    }

    private static Duration millis(Map<String, String> env, String name, Duration fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Duration.ofMillis(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of milliseconds, not '" + value + "'");
        }
    }
}
