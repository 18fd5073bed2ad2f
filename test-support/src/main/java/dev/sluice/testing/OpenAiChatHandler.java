package dev.sluice.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Answers {@code POST /v1/chat/completions} as OpenAI does, following the current {@link UpstreamScript}.
 *
 * <p>A cut connection is made by throwing out of the handler without closing the exchange: the JDK server then closes
 * the socket without writing the chunked body's terminating zero-length chunk, which is what a dying upstream looks
 * like to the client.
 */
final class OpenAiChatHandler implements HttpHandler {

    static final String PATH = "/v1/chat/completions";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<UpstreamScript> script;
    private final Consumer<RecordedRequest> recorder;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    OpenAiChatHandler(Supplier<UpstreamScript> script, Consumer<RecordedRequest> recorder) {
        this.script = script;
        this.recorder = recorder;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        byte[] requestBody;
        try (InputStream in = exchange.getRequestBody()) {
            requestBody = in.readAllBytes();
        }
        String method = exchange.getRequestMethod();
        String query = exchange.getRequestURI().getRawQuery();
        String rawPath = exchange.getRequestURI().getRawPath();
        recorder.accept(new RecordedRequest(
                method,
                query == null ? rawPath : rawPath + "?" + query,
                exchange.getRequestHeaders(),
                new String(requestBody, UTF_8)));
        UpstreamScript current = script.get();
        long number = sequence.incrementAndGet();
        exchange.getResponseHeaders().set("x-request-id", "req_sluicefake" + number);
        if (!"POST".equals(method) || !PATH.equals(rawPath)) {
            sendError(
                    exchange,
                    404,
                    OpenAiChatFrames.errorBody(
                            "Invalid URL (" + method + " " + rawPath + ")", "invalid_request_error", null),
                    null);
            return;
        }
        pause(current.firstByteDelay());
        ScriptedFailure failure = current.failure();
        if (failure != null && failure.take()) {
            sendError(exchange, failure.status(), failure.body(), failure.retryAfterSeconds());
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(requestBody);
        } catch (IOException e) {
            sendError(
                    exchange,
                    400,
                    OpenAiChatFrames.errorBody(
                            "We could not parse the JSON body of your request.", "invalid_request_error", null),
                    null);
            return;
        }
        String model = request.path("model").asText("");
        if (model.isEmpty()) {
            sendError(
                    exchange,
                    400,
                    OpenAiChatFrames.errorBody("you must provide a model parameter", "invalid_request_error", null),
                    null);
            return;
        }
        String id = "chatcmpl-sluicefake" + number;
        long created = Instant.now().getEpochSecond();
        OpenAiChatFrames frames =
                current.obeyMaxTokens() ? current.frames().limitedTo(maxTokens(request)) : current.frames();
        peak.accumulateAndGet(active.incrementAndGet(), Math::max);
        try {
            if (request.path("stream").asBoolean(false)) {
                boolean includeUsage =
                        request.path("stream_options").path("include_usage").asBoolean(false);
                stream(exchange, current, frames, OpenAiChatFrames.chunkPrefix(id, created, model), includeUsage);
            } else {
                complete(exchange, current, frames, OpenAiChatFrames.completionPrefix(id, created, model));
            }
        } finally {
            active.decrementAndGet();
        }
    }

    /** The most responses this handler was writing at one instant. */
    int peakConcurrentResponses() {
        return peak.get();
    }

    private static int maxTokens(JsonNode request) {
        JsonNode max = request.hasNonNull("max_completion_tokens")
                ? request.get("max_completion_tokens")
                : request.get("max_tokens");
        return max == null ? -1 : max.asInt();
    }

    private static void stream(
            HttpExchange exchange, UpstreamScript script, OpenAiChatFrames frames, byte[] prefix, boolean includeUsage)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0); // chunked
        OutputStream out = exchange.getResponseBody();
        int cut = script.cutAfterChunks();
        byte[][] chunks = frames.chunks(includeUsage);
        int sent = 0;
        StreamHold hold = script.hold();
        for (int i = 0; i < chunks.length; i++) {
            if (i > 0) {
                pause(script.chunkDelay());
            }
            boolean holdHere = hold != null && i == Math.min(hold.afterChunk(), chunks.length - 1);
            if (holdHere) {
                hold.arrive(); // before the flush, so a client holding this chunk always sees the hold as reached
            }
            sent = send(out, prefix, chunks[i], sent, cut);
            if (holdHere) {
                awaitRelease(hold);
            }
        }
        if (includeUsage) {
            pause(script.chunkDelay());
            sent = send(out, prefix, frames.usageChunk(), sent, cut);
        }
        send(out, null, OpenAiChatFrames.DONE, sent, cut);
        if (cut >= 0) {
            throw new CutConnection(); // every frame went out, but the chunked body never ends
        }
        exchange.close();
    }

    private static int send(OutputStream out, byte[] prefix, byte[] frame, int sent, int cut) throws IOException {
        if (cut >= 0 && sent >= cut) {
            throw new CutConnection();
        }
        if (prefix != null) {
            out.write(prefix);
        }
        out.write(frame);
        out.flush();
        return sent + 1;
    }

    private static void complete(HttpExchange exchange, UpstreamScript script, OpenAiChatFrames frames, byte[] prefix)
            throws IOException {
        byte[] rest = frames.completion();
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, prefix.length + rest.length);
        OutputStream out = exchange.getResponseBody();
        out.write(prefix);
        if (script.cutAfterChunks() >= 0) {
            out.flush();
            throw new CutConnection(); // fewer bytes than Content-Length promised
        }
        out.write(rest);
        exchange.close();
    }

    private static void sendError(HttpExchange exchange, int status, String body, String retryAfterSeconds)
            throws IOException {
        byte[] bytes = body.getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfterSeconds != null) {
            exchange.getResponseHeaders().set("Retry-After", retryAfterSeconds);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
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
            throw new CutConnection(); // the server is closing
        }
    }

    private static void awaitRelease(StreamHold hold) {
        try {
            hold.awaitRelease();
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
