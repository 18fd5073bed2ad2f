package dev.sluice.router;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.stream.ResponseChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * {@link ResponseChannel} over the JDK HTTP server's exchange. A failed write means the client went away. Every
 * response it starts carries {@link #SECURITY_HEADERS}.
 */
final class ExchangeChannel implements ResponseChannel {
    /**
     * No content sniffing, and no cache may keep an answer: completions, keys and usage are private to the caller.
     * {@code no-store} replaces the {@code no-cache} the stream relay asks for on SSE.
     */
    static final Map<String, String> SECURITY_HEADERS =
            Map.of("X-Content-Type-Options", "nosniff", "Cache-Control", "no-store");

    private final HttpExchange exchange;
    private boolean responded;

    ExchangeChannel(HttpExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public void sendJson(int status, Map<String, String> headers, byte[] body) {
        start(status, headers, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        } catch (IOException e) {
            throw new ClientDisconnectedException(e);
        }
    }

    @Override
    public OutputStream startStream(int status, Map<String, String> headers) {
        start(status, headers, 0);
        return exchange.getResponseBody();
    }

    boolean hasResponded() {
        return responded;
    }

    private void start(int status, Map<String, String> headers, long length) {
        Headers responseHeaders = exchange.getResponseHeaders();
        headers.forEach(responseHeaders::set);
        SECURITY_HEADERS.forEach(responseHeaders::set); // last, so no caller's header can weaken them
        try {
            responded = true;
            exchange.sendResponseHeaders(status, length);
        } catch (IOException e) {
            throw new ClientDisconnectedException(e);
        }
    }
}
