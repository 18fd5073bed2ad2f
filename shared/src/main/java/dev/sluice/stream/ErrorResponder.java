package dev.sluice.stream;

import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import java.util.HashMap;
import java.util.Map;

/** Sends a {@link GatewayException} as an HTTP response: status, OpenAI error body, Retry-After where known. */
public final class ErrorResponder {
    private ErrorResponder() {
    }

    public static void send(ResponseChannel channel, Map<String, String> extraHeaders, GatewayException error,
                            String requestId) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("Content-Type", "application/json");
        error.retryAfterSeconds().ifPresent(seconds -> headers.put("Retry-After", Long.toString(seconds)));
        channel.sendJson(error.status(), headers, ErrorResponses.body(error, requestId));
    }
}
