package dev.sluice.error;

/** Maps any failure to what a client may see: the one place where exceptions meet the wire's wording. */
public final class ErrorResponses {
    private ErrorResponses() {}

    /** A gateway exception as is; anything else as a generic 500 that reveals nothing but the request id. */
    public static GatewayException classify(Throwable failure) {
        return failure instanceof GatewayException known ? known : GatewayException.internal(failure);
    }

    /** The message a client sees; server-side failures carry the request id so support can find the log. */
    public static String clientMessage(GatewayException error, String requestId) {
        String message = error.getMessage();
        if (error.status() >= 500 && requestId != null) {
            message = message + " (request id: " + requestId + ")";
        }
        return message;
    }
}
