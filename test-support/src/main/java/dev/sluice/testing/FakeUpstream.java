package dev.sluice.testing;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake LLM provider speaking OpenAI's Chat Completions wire format on 127.0.0.1 and a random port, for tests and as
 * the upstream of the latency benchmark.
 *
 * <p>{@code POST /v1/chat/completions} answers a {@code chat.completion} object, or with {@code "stream": true} a
 * {@code text/event-stream} of {@code chat.completion.chunk} frames as OpenAI documents them (see {@code
 * transcripts/openai-chat-stream.txt}): a role chunk, one chunk per scripted content piece, a {@code
 * finish_reason:"stop"} chunk, with {@code stream_options.include_usage} a usage chunk, then {@code data: [DONE]}.
 * Each frame is flushed on its own. The model is echoed from the request.
 *
 * <p>The script (content, usage, delays, errors, a cut connection, a hold point) can be changed between tests from any
 * thread; each request reads it once when it arrives. Frame bytes are precomputed per script, so a request costs little
 * CPU beyond parsing its body. Every request is recorded (the latest 10,000, so a benchmark does not fill the heap).
 */
public final class FakeUpstream implements AutoCloseable {

    /** OpenAI's documentation example answer, split the way its tokenizer streams it. */
    public static final List<String> DEFAULT_CONTENT =
            List.of("Hello", "!", " How", " can", " I", " help", " you", " today", "?");

    public static final int DEFAULT_PROMPT_TOKENS = 19;

    private static final int MAX_RECORDED = 10_000;

    private final ExecutorService executor = Loopback.newVirtualThreadExecutor();
    private final HttpServer server;
    private final OpenAiChatHandler handler;
    private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
    private final AtomicLong requestCount = new AtomicLong();

    private volatile UpstreamScript script;
    private List<String> content; // guarded by this
    private int promptTokens; // guarded by this
    private Integer completionTokens; // guarded by this; null: one per content piece

    private FakeUpstream(int port) {
        resetScript();
        server = Loopback.newHttpServer(executor, port);
        handler = new OpenAiChatHandler(() -> script, this::record);
        server.createContext("/", handler);
        server.start();
    }

    /** Starts a fake with the default script; the caller closes it. */
    public static FakeUpstream start() {
        return new FakeUpstream(0);
    }

    /**
     * Starts a fake on the port a closed one used: a provider coming back after an outage, at the same address.
     * The port may have been taken meanwhile, which fails the test that asked rather than passing it wrongly.
     */
    public static FakeUpstream restartOn(URI baseUrl) {
        return new FakeUpstream(baseUrl.getPort());
    }

    /** {@code http://127.0.0.1:<port>/v1}, what an OpenAI client takes as its base URL. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    /** The content deltas to stream, in order (joined, the non-streamed message); default {@link #DEFAULT_CONTENT}. */
    public synchronized void streamContent(List<String> pieces) {
        content = List.copyOf(pieces);
        rebuildFrames();
    }

    /** See {@link #streamContent(List)}. */
    public void streamContent(String... pieces) {
        streamContent(Arrays.asList(pieces));
    }

    /**
     * The token counts reported in {@code usage}. By default {@value #DEFAULT_PROMPT_TOKENS} prompt tokens and one
     * completion token per content piece.
     */
    public synchronized void reportUsage(int promptTokens, int completionTokens) {
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        rebuildFrames();
    }

    /** Waits this long before sending anything (the status line included), errors too. */
    /**
     * Answers as a real model does under a {@code max_tokens} below its answer: at most that many content pieces (one
     * token each), {@code finish_reason:"length"}, usage counting them.
     */
    public synchronized void obeyMaxTokens() {
        script = script.withObeyMaxTokens(true);
    }

    /** The most responses the fake was writing at one instant since it started. */
    public int peakConcurrentResponses() {
        return handler.peakConcurrentResponses();
    }

    public synchronized void delayFirstByte(Duration delay) {
        script = script.withFirstByteDelay(requireNonNegative(delay));
    }

    /** Waits this long before every streamed chunk after the first. */
    public synchronized void delayBetweenChunks(Duration delay) {
        script = script.withChunkDelay(requireNonNegative(delay));
    }

    /** Answers every request with this status and body (e.g. {@link #openAiError}) until {@link #reset()}. */
    public void failWith(int status, String errorBody) {
        failWith(status, errorBody, null);
    }

    /** As {@link #failWith(int, String)}, with a {@code Retry-After} header in whole seconds (rounded up). */
    public synchronized void failWith(int status, String errorBody, Duration retryAfter) {
        script = script.withFailure(new ScriptedFailure(status, errorBody, retryAfter, Integer.MAX_VALUE));
    }

    /** Answers only the next {@code requests} requests with this error, then answers normally again. */
    public synchronized void failNext(int requests, int status, String errorBody, Duration retryAfter) {
        script = script.withFailure(new ScriptedFailure(status, errorBody, retryAfter, requests));
    }

    /** An OpenAI error body, e.g. {@code openAiError("Rate limit reached", "requests", "rate_limit_exceeded")}. */
    public static String openAiError(String message, String type, String code) {
        return OpenAiChatFrames.errorBody(message, type, code);
    }

    /**
     * Closes the connection after {@code chunks} SSE frames (the role chunk counts, so does {@code [DONE]}) without the
     * chunked body's terminating chunk. A non-streamed answer is cut halfway through its body. Negative: never.
     */
    public synchronized void cutAfterChunks(int chunks) {
        script = script.withCutAfterChunks(chunks);
    }

    /** Streamed responses stop after their first chunk until the returned hold is released. */
    public synchronized StreamHold holdAfterFirstChunk() {
        return hold(new StreamHold(0));
    }

    /**
     * Streamed responses stop after their first chunk with content (the role chunk and the first content chunk went
     * out) until the returned hold is released: what a client reads by then cannot have been buffered by a gateway
     * that holds role-only chunks back.
     */
    public synchronized StreamHold holdAfterFirstContent() {
        return hold(new StreamHold(1));
    }

    private StreamHold hold(StreamHold hold) {
        if (script.hold() != null) {
            script.hold().release();
        }
        script = script.withHold(hold);
        return hold;
    }

    /** The requests received, oldest first (the latest 10,000). */
    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** The latest request received. */
    public RecordedRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new IllegalStateException("the fake upstream has received no request");
            }
            return recorded.getLast();
        }
    }

    /** How many requests arrived since the start or the last {@link #reset()}, recorded or not. */
    public long requestCount() {
        return requestCount.get();
    }

    /** Back to the default script, releasing any hold, and forgets the recorded requests. */
    public void reset() {
        resetScript();
        synchronized (recorded) {
            recorded.clear();
            requestCount.set(0);
        }
    }

    @Override
    public void close() {
        UpstreamScript last = script;
        if (last.hold() != null) {
            last.hold().release();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    private synchronized void resetScript() {
        if (script != null && script.hold() != null) {
            script.hold().release();
        }
        content = DEFAULT_CONTENT;
        promptTokens = DEFAULT_PROMPT_TOKENS;
        completionTokens = null;
        script = UpstreamScript.of(frames());
    }

    private void rebuildFrames() {
        script = script.withFrames(frames());
    }

    private OpenAiChatFrames frames() {
        return OpenAiChatFrames.of(content, promptTokens, completionTokens == null ? content.size() : completionTokens);
    }

    private void record(RecordedRequest request) {
        synchronized (recorded) {
            requestCount.incrementAndGet();
            recorded.addLast(request);
            if (recorded.size() > MAX_RECORDED) {
                recorded.removeFirst();
            }
        }
    }

    private static Duration requireNonNegative(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative delay: " + delay);
        }
        return delay;
    }
}
