package dev.sluice.provider;

import dev.sluice.error.NonRetriableUpstreamException;
import dev.sluice.error.RetriableUpstreamException;
import dev.sluice.error.UpstreamException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.regex.Pattern;

/**
 * The one mapping from an upstream provider's failure to what Sluice answers, and whether another attempt may help.
 * The client always gets the gateway's own message (the provider's text can quote prompts, account ids or key
 * prefixes); the provider's words go to {@link UpstreamException#detail()}, which only the log sees.
 */
public final class UpstreamErrors {
    /** Provider error codes are identifiers; anything else is not passed on. */
    private static final Pattern SAFE_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private UpstreamErrors() {}

    /**
     * @param upstreamMessage   the provider's error message: kept as the detail for the log, never shown
     * @param upstreamCode      the provider's error code, if any (e.g. {@code context_length_exceeded})
     * @param retryAfterSeconds the provider's Retry-After, or -1
     */
    public static UpstreamException fromStatus(
            String provider, int status, String upstreamMessage, String upstreamCode, long retryAfterSeconds) {
        String detail = upstreamMessage == null || upstreamMessage.isBlank() ? null : upstreamMessage;
        if ("context_length_exceeded".equals(upstreamCode) && (status == 400 || status == 413 || status == 422)) {
            return new NonRetriableUpstreamException(
                    400,
                    "invalid_request_error",
                    upstreamCode,
                    "The request is longer than the routed model's context window.",
                    detail,
                    null);
        }
        String message = "The " + provider + " provider " + wording(status).formatted(status);
        return switch (status) {
            case 400, 413, 422 ->
                new NonRetriableUpstreamException(
                        400, "invalid_request_error", safeCode(upstreamCode), message, detail, null);
            case 404 ->
                new NonRetriableUpstreamException(
                        404, "invalid_request_error", "model_not_found", message, detail, null);
            case 429 ->
                new RetriableUpstreamException(
                        429, "rate_limit_exceeded", "upstream_rate_limited", message, detail, retryAfterSeconds, null);
            case 401, 403 -> retriable(502, "upstream_auth_failed", message, detail);
            case 408, 504 -> retriable(504, "upstream_timeout", message, detail);
            case 503, 529 -> retriable(503, "upstream_unavailable", message, detail, retryAfterSeconds, null);
            default -> retriable(502, "upstream_error", message, detail);
        };
    }

    /** What the client is told the provider did, by status ({@code %d} is the status). */
    private static String wording(int status) {
        return switch (status) {
            case 400, 413, 422 -> "rejected the request as invalid (HTTP %d).";
            case 401, 403 -> "rejected the gateway's credentials (HTTP %d). Check the route's secret.";
            case 404 -> "does not know the routed model (HTTP %d).";
            case 408, 504 -> "did not answer in time (HTTP %d).";
            case 429 -> "is rate limiting requests (HTTP %d); retry later.";
            case 503, 529 -> "is unavailable or overloaded (HTTP %d).";
            default -> "failed (HTTP %d).";
        };
    }

    /**
     * Every deployment of the route has its circuit breaker open: answered at once, without calling any of them, so
     * clients back off instead of waiting on deployments known to be down.
     */
    public static UpstreamException everyDeploymentUnavailable(String alias, long retryAfterSeconds) {
        return retriable(
                503,
                "upstream_unavailable",
                "Every deployment of '" + alias + "' is failing; try again in " + retryAfterSeconds + " s.",
                null,
                retryAfterSeconds,
                null);
    }

    public static UpstreamException timeout(String provider) {
        return retriable(504, "upstream_timeout", "The " + provider + " provider did not answer in time.", null);
    }

    /** A failure to talk to the upstream at all, or a broken stream. */
    public static UpstreamException fromIoFailure(String provider, Exception failure) {
        if (failure instanceof HttpTimeoutException) {
            return timeout(provider);
        }
        if (failure instanceof StallGuard.Stalled) {
            return retriable(
                    504,
                    "upstream_timeout",
                    "The " + provider + " provider stopped sending in the middle of its answer.",
                    null,
                    -1,
                    failure);
        }
        if (failure instanceof ConnectException) {
            return retriable(
                    502,
                    "upstream_unreachable",
                    "The " + provider + " provider could not be reached.",
                    null,
                    -1,
                    failure);
        }
        return retriable(
                502,
                "upstream_connection_failed",
                "The connection to the " + provider + " provider failed.",
                null,
                -1,
                failure);
    }

    /** The upstream closed a stream before its documented end (no {@code [DONE]}, {@code message_stop}, ...). */
    public static UpstreamException incompleteStream(String provider) {
        return retriable(
                502,
                "upstream_stream_incomplete",
                "The " + provider + " provider ended the stream before it was complete.",
                null);
    }

    /** The upstream reported an error inside an already-started stream; its text goes to the log only. */
    public static UpstreamException midStreamError(String provider, String upstreamMessage) {
        return retriable(
                502, "upstream_error", "The " + provider + " provider reported an error mid-stream.", upstreamMessage);
    }

    /** The upstream answered 2xx with a body the adapter cannot read. */
    public static UpstreamException malformedResponse(String provider, String detail) {
        return retriable(
                502,
                "upstream_malformed_response",
                "The " + provider + " provider sent a response the gateway could not read.",
                detail);
    }

    /** The gateway's credential for the deployment is absent or unusable: the next deployment may have one. */
    public static UpstreamException credentialsMissing(String message) {
        return retriable(502, "upstream_credentials_missing", message, null);
    }

    public static UpstreamException credentialsInvalid(String message) {
        return retriable(502, "upstream_credentials_invalid", message, null);
    }

    /** The provider (or its identity service) refused the gateway's credentials. */
    public static UpstreamException authFailed(String message, String detail, Throwable cause) {
        return retriable(502, "upstream_auth_failed", message, detail, -1, cause);
    }

    /** A non-negative Retry-After in whole seconds, or -1 when absent or given as an HTTP date. */
    public static long parseRetryAfter(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Math.max(0, (long) Math.ceil(Double.parseDouble(header.strip())));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A retriable failure with no Retry-After and no cause to keep. */
    private static RetriableUpstreamException retriable(int status, String code, String message, String detail) {
        return retriable(status, code, message, detail, -1, null);
    }

    private static RetriableUpstreamException retriable(
            int status, String code, String message, String detail, long retryAfterSeconds, Throwable cause) {
        return new RetriableUpstreamException(
                status, "upstream_error", code, message, detail, retryAfterSeconds, cause);
    }

    private static String safeCode(String code) {
        return code != null && SAFE_CODE.matcher(code).matches() ? code : null;
    }
}
