package dev.sluice.provider;

import dev.sluice.error.GatewayException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;

/**
 * The one mapping from an upstream provider's failure to what Sluice answers. Client-caused upstream errors (400)
 * keep the provider's message, which talks about the client's own request; failures of the gateway's credentials or
 * of the provider itself become 502/503/504 with a message that names no secret and no internal address.
 */
public final class UpstreamErrors {
    private UpstreamErrors() {
    }

    /**
     * @param upstreamMessage the provider's error message, shown only for 400-class errors about the request
     * @param upstreamCode    the provider's error code, if any (e.g. {@code context_length_exceeded})
     * @param retryAfterSeconds the provider's Retry-After, or -1
     */
    public static GatewayException fromStatus(String provider, int status, String upstreamMessage,
                                              String upstreamCode, long retryAfterSeconds) {
        String message = upstreamMessage == null || upstreamMessage.isBlank() ? "no message" : upstreamMessage;
        return switch (status) {
            case 400, 413, 422 -> "context_length_exceeded".equals(upstreamCode)
                    ? GatewayException.upstream(400, "invalid_request_error", "context_length_exceeded", message, -1,
                            null)
                    : GatewayException.upstream(400, "invalid_request_error", upstreamCode, message, -1, null);
            case 401, 403 -> GatewayException.upstream(502, "upstream_error", "upstream_auth_failed",
                    "The " + provider + " provider rejected the gateway's credentials (HTTP " + status
                            + "). Check the route's secret.", -1, null);
            case 404 -> GatewayException.upstream(404, "invalid_request_error", "model_not_found",
                    "The " + provider + " provider does not know the routed model: " + message, -1, null);
            case 408, 504 -> timeout(provider);
            // The provider's own 429 text is not passed on: it names the operator's account (OpenAI's quotes the
            // organization id), which is none of the client's business.
            case 429 -> GatewayException.upstream(429, "rate_limit_exceeded", "upstream_rate_limited",
                    "The " + provider + " provider is rate limiting requests; retry later.", retryAfterSeconds,
                    null);
            case 503, 529 -> GatewayException.upstream(503, "upstream_error", "upstream_unavailable",
                    "The " + provider + " provider is unavailable or overloaded (HTTP " + status + ").",
                    retryAfterSeconds, null);
            default -> GatewayException.upstream(502, "upstream_error", "upstream_error",
                    "The " + provider + " provider failed (HTTP " + status + ").", -1, null);
        };
    }

    public static GatewayException timeout(String provider) {
        return GatewayException.upstream(504, "upstream_error", "upstream_timeout",
                "The " + provider + " provider did not answer in time.", -1, null);
    }

    /** A failure to talk to the upstream at all, or a broken stream. */
    public static GatewayException fromIoFailure(String provider, Exception failure) {
        if (failure instanceof HttpTimeoutException) {
            return timeout(provider);
        }
        if (failure instanceof ConnectException) {
            return GatewayException.upstream(502, "upstream_error", "upstream_unreachable",
                    "The " + provider + " provider could not be reached.", -1, failure);
        }
        return GatewayException.upstream(502, "upstream_error", "upstream_connection_failed",
                "The connection to the " + provider + " provider failed.", -1, failure);
    }

    /** The upstream closed a stream before its documented end (no {@code [DONE]}, {@code message_stop}, ...). */
    public static GatewayException incompleteStream(String provider) {
        return GatewayException.upstream(502, "upstream_error", "upstream_stream_incomplete",
                "The " + provider + " provider ended the stream before it was complete.", -1, null);
    }

    /** The upstream reported an error inside an already-started stream. */
    public static GatewayException midStreamError(String provider, String upstreamMessage) {
        return GatewayException.upstream(502, "upstream_error", "upstream_error",
                "The " + provider + " provider reported an error mid-stream: " + upstreamMessage, -1, null);
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
}
