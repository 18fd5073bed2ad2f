package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.UpstreamErrors;
import java.io.IOException;
import java.util.Locale;

/**
 * Anthropic's error answers ({@code {"type":"error","error":{"type":...,"message":...}}}, as an HTTP error body or
 * as an {@code error} event inside a stream) mapped through {@link UpstreamErrors}.
 */
final class AnthropicErrors {
    private static final String PROVIDER = AnthropicProvider.TYPE;

    private AnthropicErrors() {}

    /** A non-2xx answer; {@code body} may be empty or not JSON, then the status alone decides. */
    static GatewayException fromResponse(int status, byte[] body, String retryAfterHeader) {
        String type = null;
        String message = null;
        try {
            JsonNode error = Json.read(body).path("error");
            type = error.path("type").textValue();
            message = error.path("message").textValue();
        } catch (IOException notJson) {
            // The status alone decides.
        }
        return UpstreamErrors.fromStatus(
                PROVIDER, status, message, code(type, message), UpstreamErrors.parseRetryAfter(retryAfterHeader));
    }

    /**
     * An {@code error} event. Before any output went to the client it is answered like the HTTP status its type
     * stands for (an {@code overloaded_error} stays a 503 the gateway may fail over on); once output has gone out,
     * it is a mid-stream failure.
     */
    static GatewayException fromStreamEvent(JsonNode event, boolean outputStarted) {
        JsonNode error = event.path("error");
        String type = error.path("type").asText("api_error");
        String message = error.path("message").asText(type);
        if (outputStarted) {
            return UpstreamErrors.midStreamError(PROVIDER, message);
        }
        return UpstreamErrors.fromStatus(PROVIDER, statusOf(type), message, code(type, message), -1);
    }

    /** The HTTP status Anthropic documents for each error type. */
    static int statusOf(String type) {
        return switch (type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    /** Anthropic has no error codes beyond the type; a too-long prompt is recognized by its message. */
    static String code(String type, String message) {
        if (message != null && message.toLowerCase(Locale.ROOT).contains("prompt is too long")) {
            return "context_length_exceeded";
        }
        return "request_too_large".equals(type) ? "request_too_large" : null;
    }
}
