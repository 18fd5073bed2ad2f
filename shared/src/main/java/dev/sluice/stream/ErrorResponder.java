package dev.sluice.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a {@link GatewayException} as an HTTP response: status, error body in the API's dialect, Retry-After. Anything
 * that is not a gateway exception becomes a generic 500 whose detail only the log sees. The request-id headers are
 * stamped by the HTTP layer on every response.
 */
public final class ErrorResponder {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private ErrorResponder() {}

    public static void send(
            ResponseChannel channel,
            Map<String, String> extraHeaders,
            GatewayException error,
            String requestId,
            ErrorFormat format) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("Content-Type", "application/json");
        error.retryAfterSeconds().ifPresent(seconds -> headers.put("Retry-After", Long.toString(seconds)));
        if ("budget_exceeded".equals(error.code())) {
            // A spent budget comes back at the period's reset, not in seconds: OpenAI and Anthropic SDKs honour this
            // header and raise at once instead of retrying.
            headers.put("x-should-retry", "false");
        }
        channel.sendJson(error.status(), headers, format.body(error, requestId));
    }

    /** Rejects a request with any failure, classified; a client already gone is only noted. */
    public static void reject(ResponseChannel channel, RuntimeException failure, String requestId, ErrorFormat format) {
        GatewayException error = ErrorResponses.classify(failure);
        if (error.status() >= 500) {
            LOG.error("request {} failed", requestId, failure);
        }
        try {
            send(channel, Map.of(), error, requestId, format);
        } catch (ClientDisconnectedException gone) {
            LOG.debug("request {}: client gone before the error response", requestId);
        }
    }

    /** Answers 200 with the body the supplier builds, or the error it throws. */
    public static void answer(
            ResponseChannel channel, String requestId, ErrorFormat format, Supplier<? extends JsonNode> body) {
        byte[] json;
        try {
            json = Json.write(body.get());
        } catch (RuntimeException e) {
            reject(channel, e, requestId, format);
            return;
        }
        channel.sendJson(200, JSON, json);
    }
}
