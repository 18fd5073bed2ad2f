package dev.sluice.error;

import java.util.OptionalLong;

/**
 * The one unchecked error of the request path. Each carries the HTTP status and the OpenAI error fields the client
 * will see; {@link ErrorResponses} turns it into a response. The message must be safe to show a client: internal
 * detail belongs in the log, never here.
 */
public class GatewayException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    protected GatewayException(
            int status,
            String type,
            String code,
            String param,
            String message,
            long retryAfterSeconds,
            Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static GatewayException invalidRequest(String message, String param) {
        return new GatewayException(400, "invalid_request_error", null, param, message, -1, null);
    }

    public static GatewayException invalidRequest(String message, String param, String code) {
        return new GatewayException(400, "invalid_request_error", code, param, message, -1, null);
    }

    public static GatewayException invalidApiKey(String message) {
        return new GatewayException(401, "invalid_request_error", "invalid_api_key", null, message, -1, null);
    }

    public static GatewayException modelNotFound(String model) {
        return new GatewayException(
                404,
                "invalid_request_error",
                "model_not_found",
                "model",
                "The model '" + model + "' does not exist or you do not have access to it.",
                -1,
                null);
    }

    public static GatewayException notFound(String message) {
        return new GatewayException(404, "invalid_request_error", "not_found", null, message, -1, null);
    }

    public static GatewayException methodNotAllowed(String method, String path) {
        return new GatewayException(
                405,
                "invalid_request_error",
                "method_not_allowed",
                null,
                "Method " + method + " is not allowed on " + path + ".",
                -1,
                null);
    }

    public static GatewayException payloadTooLarge(long limitBytes) {
        return new GatewayException(
                413,
                "invalid_request_error",
                "request_too_large",
                null,
                "The request body exceeds the limit of " + limitBytes + " bytes.",
                -1,
                null);
    }

    public static GatewayException unsupportedMediaType(String contentType) {
        return new GatewayException(
                415,
                "invalid_request_error",
                "unsupported_media_type",
                null,
                "Content-Type must be application/json, not '" + contentType + "'.",
                -1,
                null);
    }

    public static GatewayException rateLimited(String message, long retryAfterSeconds) {
        return new GatewayException(
                429, "rate_limit_exceeded", "rate_limit_exceeded", null, message, retryAfterSeconds, null);
    }

    /** Too many requests in flight at once for a key, tenant or session token. */
    public static GatewayException concurrencyLimited(String message) {
        return new GatewayException(429, "rate_limit_exceeded", "concurrency_limit_exceeded", null, message, 1, null);
    }

    /** A daily or monthly budget is spent: OpenAI's {@code insufficient_quota}, retry when the period resets. */
    public static GatewayException budgetExceeded(String message, long secondsUntilReset) {
        return new GatewayException(
                429, "insufficient_quota", "budget_exceeded", null, message, secondsUntilReset, null);
    }

    /** The caller is known but may not do this: a suspended tenant, an address outside the allowlist, a role. */
    public static GatewayException forbidden(String code, String message) {
        return new GatewayException(403, "invalid_request_error", code, null, message, -1, null);
    }

    /** A store the gateway depends on is slow or unreachable: a passing condition, worth a retry. */
    public static GatewayException serviceUnavailable(String message, long retryAfterSeconds, Throwable cause) {
        return new GatewayException(
                503, "server_error", "service_unavailable", null, message, retryAfterSeconds, cause);
    }

    /** Anything unexpected: the client sees a generic message and the request id, the log the detail. */
    public static GatewayException internal(Throwable cause) {
        return new GatewayException(
                500, "server_error", "internal_error", null, "The gateway failed to process the request.", -1, cause);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds < 0 ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
    }
}
