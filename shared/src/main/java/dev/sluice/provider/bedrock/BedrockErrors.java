package dev.sluice.provider.bedrock;

import dev.sluice.error.GatewayException;
import dev.sluice.provider.UpstreamErrors;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceQuotaExceededException;

/**
 * Failures of the Bedrock SDK client as gateway errors, through {@link UpstreamErrors}: a service exception by its
 * HTTP status ({@code ValidationException} 400, {@code AccessDeniedException} 403, {@code ResourceNotFoundException}
 * 404, {@code ModelTimeoutException} 408, {@code ThrottlingException} and {@code ModelNotReadyException} 429,
 * {@code InternalServerException} 500, {@code ServiceUnavailableException} 503, ...), a client-side failure as a
 * timeout or a broken connection.
 */
final class BedrockErrors {
    private static final String PROVIDER = BedrockProvider.TYPE;
    /** How Bedrock's models word a prompt longer than their context window in a {@code ValidationException}. */
    private static final Pattern CONTEXT_LENGTH =
            Pattern.compile("input is too long|too many input tokens|exceeds? the context window|prompt is too long"
                    + "|maximum context length|too many total text bytes");

    private BedrockErrors() {}

    /**
     * @param streamStarted true once chunks went to the client: a service exception then arrived as an exception
     *                      event inside the stream
     */
    static GatewayException from(Throwable failure, boolean streamStarted) {
        Throwable cause = unwrap(failure);
        if (cause instanceof GatewayException gateway) {
            return gateway;
        }
        if (cause instanceof AwsServiceException service) {
            String message = message(service);
            return streamStarted
                    ? UpstreamErrors.midStreamError(PROVIDER, message)
                    : UpstreamErrors.fromStatus(
                            PROVIDER, status(service), message, code(service, message), retryAfter(service));
        }
        for (Throwable link = cause; link != null; link = link.getCause()) {
            if (isTimeout(link)) {
                return UpstreamErrors.timeout(PROVIDER);
            }
            if (link instanceof ConnectException connect) {
                return UpstreamErrors.fromIoFailure(PROVIDER, connect);
            }
        }
        return UpstreamErrors.fromIoFailure(
                PROVIDER, cause instanceof Exception exception ? exception : new IOException(cause));
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static boolean isTimeout(Throwable failure) {
        return failure instanceof ApiCallTimeoutException
                || failure instanceof ApiCallAttemptTimeoutException
                || failure instanceof ReadTimeoutException
                || failure instanceof SocketTimeoutException
                || failure instanceof HttpTimeoutException
                || failure instanceof TimeoutException;
    }

    /** A spent account quota behaves like throttling for the gateway: try another deployment or later. */
    private static int status(AwsServiceException service) {
        return service instanceof ServiceQuotaExceededException ? 429 : service.statusCode();
    }

    private static String message(AwsServiceException service) {
        AwsErrorDetails details = service.awsErrorDetails();
        String message = details == null ? null : details.errorMessage();
        return message == null || message.isBlank() ? null : message;
    }

    private static String code(AwsServiceException service, String message) {
        if (service.statusCode() == 400
                && message != null
                && CONTEXT_LENGTH.matcher(message.toLowerCase(Locale.ROOT)).find()) {
            return "context_length_exceeded";
        }
        return null;
    }

    private static long retryAfter(AwsServiceException service) {
        AwsErrorDetails details = service.awsErrorDetails();
        SdkHttpResponse response = details == null ? null : details.sdkHttpResponse();
        return response == null
                ? -1
                : UpstreamErrors.parseRetryAfter(
                        response.firstMatchingHeader("Retry-After").orElse(null));
    }
}
