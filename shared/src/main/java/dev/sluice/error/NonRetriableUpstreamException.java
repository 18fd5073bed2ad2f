package dev.sluice.error;

/**
 * An upstream failure caused by the request itself (invalid, too long for the model, a model the provider does not
 * know): every deployment would answer the same, so failover stops and the client gets the error.
 */
public final class NonRetriableUpstreamException extends UpstreamException {

    public NonRetriableUpstreamException(
            int status, String type, String code, String message, String detail, Throwable cause) {
        super(status, type, code, message, detail, -1, cause);
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
