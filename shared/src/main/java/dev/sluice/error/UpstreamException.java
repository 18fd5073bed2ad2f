package dev.sluice.error;

/**
 * A failure of an upstream provider, or of the gateway's way to it. Failover asks the type, never the status:
 * {@link RetriableUpstreamException} (another attempt, on this deployment or the next, may succeed) or
 * {@link NonRetriableUpstreamException} (the request itself is at fault). Both are built in one place,
 * {@code dev.sluice.provider.UpstreamErrors}.
 *
 * <p>The message is the gateway's own and safe for a client. What the provider said (its error text, which may quote
 * the prompt, an account id or a key prefix) is kept in {@link #detail()} for the log and never rendered to a client.
 */
public abstract sealed class UpstreamException extends GatewayException
        permits RetriableUpstreamException, NonRetriableUpstreamException {
    private final String detail;

    UpstreamException(
            int status,
            String type,
            String code,
            String message,
            String detail,
            long retryAfterSeconds,
            Throwable cause) {
        super(status, type, code, null, message, retryAfterSeconds, cause);
        this.detail = detail;
    }

    /** The provider's own words, for the log only; null when it said nothing. */
    public String detail() {
        return detail;
    }

    public abstract boolean retriable();
}
