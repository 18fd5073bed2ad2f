package dev.sluice.error;

/**
 * An upstream failure another attempt may not repeat: rate limits, overload, 5xx, timeouts, connection failures,
 * rejected gateway credentials, a stream that broke. Failover moves on while nothing has reached the client.
 */
public final class RetriableUpstreamException extends UpstreamException {

    public RetriableUpstreamException(
            int status,
            String type,
            String code,
            String message,
            String detail,
            long retryAfterSeconds,
            Throwable cause) {
        super(status, type, code, message, detail, retryAfterSeconds, cause);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
