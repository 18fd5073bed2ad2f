package dev.sluice.aws;

import dev.sluice.error.GatewayException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place where an AWS SDK failure on the request path becomes what the client sees. A store that is slow,
 * unreachable, throttling or failing on its side (call or attempt timeout, refused or reset connection, throttling,
 * 5xx) is a passing condition: the client gets {@code 503 service_unavailable} with {@code Retry-After}, quickly,
 * and the log keeps the SDK's detail. Anything else (a missing table, a validation error) is a gateway bug and stays
 * what it is, which the error mapping turns into a generic 500.
 */
public final class AwsFailures {
    /** A short wait: timeouts are ~2 s, and most outages that matter here are brief (throttling, a failover). */
    public static final long RETRY_AFTER_SECONDS = 1;

    private AwsFailures() {}

    /** {@code failure} as the exception to throw from an adapter of the request path. */
    public static RuntimeException translate(SdkException failure) {
        if (isUnavailable(failure)) {
            return GatewayException.serviceUnavailable(
                    "The gateway could not reach its data store in time. Retry shortly.", RETRY_AFTER_SECONDS, failure);
        }
        return failure;
    }

    static boolean isUnavailable(SdkException failure) {
        if (failure instanceof SdkClientException) {
            return true; // timeouts (ApiCallTimeoutException, ApiCallAttemptTimeoutException), connection failures
        }
        return failure instanceof AwsServiceException service
                && (service.isThrottlingException() || service.statusCode() >= 500);
    }
}
