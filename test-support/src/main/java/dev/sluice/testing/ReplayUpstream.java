package dev.sluice.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * A fake provider on 127.0.0.1 that replays a scripted {@link Reply} (usually a provider's documented wire
 * transcript, see {@link Transcripts}) to any method and path, and records every request. It knows no provider: the
 * contract tests give it each provider's bytes, so one fake serves OpenAI, Anthropic, Gemini, Bedrock and the rest.
 *
 * <p>A cut connection is made by throwing out of the handler without closing the exchange: the JDK server then closes
 * the socket without ending the body, which is what a dying upstream looks like to the client.
 */
public final class ReplayUpstream implements AutoCloseable {

    private final ExecutorService executor = Loopback.newVirtualThreadExecutor();
    private final HttpServer server;
    private final List<RecordedRequest> recorded = new ArrayList<>();
    private volatile Reply reply = Reply.json(500, "{\"error\":\"no reply scripted\"}");

    private ReplayUpstream() {
        server = Loopback.newHttpServer(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ReplayUpstream start() {
        return new ReplayUpstream();
    }

    /** {@code http://127.0.0.1:<port>}, without a path. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every following request gets this reply. */
    public void reply(Reply reply) {
        this.reply = reply;
    }

    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public RecordedRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new IllegalStateException("the replay upstream has received no request");
            }
            return recorded.getLast();
        }
    }

    /** Forgets the recorded requests. */
    public void clear() {
        synchronized (recorded) {
            recorded.clear();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String query = exchange.getRequestURI().getRawQuery();
        String path = exchange.getRequestURI().getRawPath();
        synchronized (recorded) {
            recorded.add(new RecordedRequest(
                    exchange.getRequestMethod(),
                    query == null ? path : path + "?" + query,
                    exchange.getRequestHeaders(),
                    new String(body, UTF_8)));
        }
        Reply current = reply;
        pause(current.firstByteDelay());
        for (Map.Entry<String, String> header : current.headers().entrySet()) {
            exchange.getResponseHeaders().set(header.getKey(), header.getValue());
        }
        OutputStream out = exchange.getResponseBody();
        if (!current.streamed()) {
            byte[] whole =
                    current.frames().isEmpty() ? new byte[0] : current.frames().getFirst();
            exchange.sendResponseHeaders(current.status(), whole.length == 0 ? -1 : whole.length);
            if (current.cutAfterFrames() >= 0) {
                out.write(whole, 0, whole.length / 2);
                out.flush();
                throw new CutConnection();
            }
            out.write(whole);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(current.status(), 0);
        int sent = 0;
        for (byte[] frame : current.frames()) {
            if (current.cutAfterFrames() >= 0 && sent >= current.cutAfterFrames()) {
                throw new CutConnection();
            }
            if (sent > 0) {
                pause(current.frameDelay());
            }
            out.write(frame);
            out.flush();
            sent++;
        }
        if (current.cutAfterFrames() >= 0) {
            throw new CutConnection();
        }
        exchange.close();
    }

    private static void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CutConnection();
        }
    }

    /** Aborts the exchange so the server drops the connection mid-body. */
    private static final class CutConnection extends RuntimeException {
        CutConnection() {
            super("scripted connection cut", null, false, false);
        }
    }
}
