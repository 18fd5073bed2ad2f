package dev.sluice.stream;

import dev.sluice.error.ErrorFormat;
import dev.sluice.error.GatewayException;
import java.util.HashMap;
import java.util.Map;

/** Sends a {@link GatewayException} as an HTTP response: status, error body in the API's dialect, Retry-After. */
public final class ErrorResponder {
    private ErrorResponder() {
    }

    public static void send(ResponseChannel channel, Map<String, String> extraHeaders, GatewayException error,
                            String requestId) {
        send(channel, extraHeaders, error, requestId, ErrorFormat.OPENAI);
    }

    public static void send(ResponseChannel channel, Map<String, String> extraHeaders, GatewayException error,
                            String requestId, ErrorFormat format) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("Content-Type", "application/json");
        error.retryAfterSeconds().ifPresent(seconds -> headers.put("Retry-After", Long.toString(seconds)));
        channel.sendJson(error.status(), headers, format.body(error, requestId));
    }
}
