package dev.sluice.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.admin.AdminApi;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.GatewayException;
import dev.sluice.inbound.anthropic.AnthropicErrorFormat;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.json.Json;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.pipeline.GatewayRequest;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.trace.Tracing;
import dev.sluice.usage.PrometheusMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP app: the JDK's own HTTP server (no framework to load at cold start), one virtual thread per
 * request, responses streamed with chunked encoding and flushed per event. It decodes HTTP, hands the pipeline a
 * {@link GatewayRequest}, and turns anything unexpected into a generic 500 that carries only a request id.
 * The same server runs on a laptop and on Lambda behind the Web Adapter.
 *
 * <p>It also serves the two SnapStart hooks the Web Adapter calls ({@value #BEFORE_CHECKPOINT_PATH} and
 * {@value #AFTER_RESTORE_PATH}, empty POSTs) by running {@link SnapStartHooks}. Only a loopback caller that is not
 * a forwarded invocation reaches them; anyone else gets the same 404 as an unknown path.
 */
public final class RouterServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RouterServer.class);
    private static final String JSON = "application/json";
    public static final String BEFORE_CHECKPOINT_PATH = "/_sluice/snapstart/before-checkpoint";
    public static final String AFTER_RESTORE_PATH = "/_sluice/snapstart/after-restore";
    /** The management API: {@code /sluice/v1/sessions}, {@code /sluice/v1/keys[/{id}]}, {@code /sluice/v1/usage}. */
    public static final String ADMIN_PREFIX = "/sluice/v1/";
    /** Headers the Web Adapter adds to every invocation it forwards; its own lifecycle calls carry neither. */
    private static final List<String> FORWARDED_INVOCATION_HEADERS =
            List.of("x-amzn-request-context", "x-amzn-lambda-context");

    private final HttpServer server;
    private final ExecutorService executor;
    private final GatewayPipeline pipeline;
    private final long maxBodyBytes;
    private final SnapStartHooks hooks;
    private final ClientAddresses clientAddresses;
    private final RequestIds requestIds = new RequestIds();
    private volatile PrometheusMetrics metrics;
    private volatile Tracing tracing = Tracing.off();

    private RouterServer(
            HttpServer server,
            ExecutorService executor,
            GatewayPipeline pipeline,
            long maxBodyBytes,
            SnapStartHooks hooks,
            ClientAddresses clientAddresses) {
        this.server = server;
        this.executor = executor;
        this.pipeline = pipeline;
        this.maxBodyBytes = maxBodyBytes;
        this.hooks = hooks;
        this.clientAddresses = clientAddresses;
    }

    /** Starts serving with no SnapStart hooks but the server's own; port 0 picks a free port. */
    public static RouterServer start(String host, int port, GatewayPipeline pipeline, long maxBodyBytes)
            throws IOException {
        return start(host, port, pipeline, maxBodyBytes, new SnapStartHooks());
    }

    /**
     * Starts serving; port 0 picks a free port (see {@link #port()}). Adds the server's own after-restore hook to
     * {@code hooks}: request ids come from a generator that is seeded again after every restore.
     */
    public static RouterServer start(
            String host, int port, GatewayPipeline pipeline, long maxBodyBytes, SnapStartHooks hooks)
            throws IOException {
        return start(host, port, pipeline, maxBodyBytes, hooks, ClientAddresses.SOCKET);
    }

    /** As above, reading the client's address (for IP allowlists) as {@code clientAddresses} says. */
    public static RouterServer start(
            String host,
            int port,
            GatewayPipeline pipeline,
            long maxBodyBytes,
            SnapStartHooks hooks,
            ClientAddresses clientAddresses)
            throws IOException {
        return start(host, port, pipeline, maxBodyBytes, hooks, clientAddresses, ServerLimits.DEFAULTS);
    }

    /**
     * As above, with the connection limits and timeouts {@code limits} sets. The JDK server reads them once per JVM,
     * when its first instance is created: a later server in the same JVM keeps the first one's.
     */
    public static RouterServer start(
            String host,
            int port,
            GatewayPipeline pipeline,
            long maxBodyBytes,
            SnapStartHooks hooks,
            ClientAddresses clientAddresses,
            ServerLimits limits)
            throws IOException {
        limits.apply();
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        RouterServer router = new RouterServer(server, executor, pipeline, maxBodyBytes, hooks, clientAddresses);
        hooks.afterRestore("reseed-request-ids", router.requestIds::reseed);
        server.createContext("/", router::handle);
        server.setExecutor(executor);
        server.start();
        return router;
    }

    /**
     * Serves {@code GET /metrics} (Prometheus text format) from now on. For a router running as a plain server (dev
     * mode, a container); it answers without a key, like any scrape target, so it belongs on a private network.
     */
    public RouterServer exposeMetrics(PrometheusMetrics metrics) {
        this.metrics = metrics;
        return this;
    }

    /** Flushes {@code tracing}'s spans after each traced response (the spans themselves need no handle). */
    public RouterServer traceWith(Tracing tracing) {
        this.tracing = tracing;
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /**
     * Stops gracefully: refuses new connections at once, lets the requests in flight finish for up to {@code grace}
     * (whole seconds), then cuts the rest (connections closed, handler threads interrupted) and waits up to {@code
     * cutWait} for their handlers to return. A cut stream's handler still ends in the pipeline, which publishes its
     * usage, so when this returns {@code true} every request's usage has been handed to the publisher.
     */
    public boolean stop(Duration grace, Duration cutWait) {
        server.stop((int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000));
        executor.shutdownNow();
        try {
            return executor.awaitTermination(cutWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void handle(HttpExchange exchange) {
        String requestId = requestIds.next();
        // Stamped once here, on every response: OpenAI SDKs read x-request-id, Anthropic SDKs request-id.
        exchange.getResponseHeaders().set("x-request-id", requestId);
        exchange.getResponseHeaders().set("request-id", requestId);
        ExchangeChannel channel = new ExchangeChannel(exchange);
        // Errors the router itself raises (405, 413, 415) speak the dialect of the API that was called.
        String path = normalise(exchange.getRequestURI().getPath());
        ErrorFormat format =
                path.startsWith("/v1/messages") ? AnthropicErrorFormat.INSTANCE : OpenAiErrorFormat.INSTANCE;
        Span span = traced(path)
                ? Tracing.serverSpan(exchange.getRequestMethod(), path, exchange.getRequestHeaders())
                : Span.getInvalid();
        try (Scope ignored = span.makeCurrent()) {
            route(exchange, channel, requestId);
        } catch (GatewayException e) {
            // The router rejected the request before reading its body: close the connection rather than let the
            // client send its next request after the unread bytes.
            respond(channel, Map.of("Connection", "close"), e, requestId, format);
        } catch (ClientDisconnectedException e) {
            LOG.debug("request {}: client disconnected", requestId);
        } catch (RuntimeException | IOException e) {
            LOG.error("request {} failed", requestId, e);
            if (!channel.hasResponded()) {
                respond(channel, Map.of(), GatewayException.internal(e), requestId, format);
            }
        } finally {
            exchange.close();
            if (span.isRecording()) {
                span.end();
                tracing.flush(); // after the response: Lambda may freeze the instance before the next request
            }
        }
    }

    /** The API's paths get a trace; health checks, scrapes and the adapter's hooks do not. */
    private static boolean traced(String path) {
        return path.startsWith("/v1/") || path.startsWith(ADMIN_PREFIX);
    }

    private void route(HttpExchange exchange, ExchangeChannel channel, String requestId) throws IOException {
        String method = exchange.getRequestMethod();
        String path = normalise(exchange.getRequestURI().getPath());
        switch (path) {
            case "/healthz" -> {
                requireMethod(method, path, "GET");
                channel.sendJson(200, Map.of("Content-Type", JSON), "{\"status\":\"ok\"}".getBytes());
            }
            case "/metrics" -> {
                PrometheusMetrics scraped = metrics;
                if (scraped == null) {
                    throw unknownPath(method, path);
                }
                requireMethod(method, path, "GET");
                channel.sendJson(
                        200,
                        Map.of("Content-Type", PrometheusMetrics.CONTENT_TYPE),
                        scraped.scrape().getBytes(StandardCharsets.UTF_8));
            }
            case "/v1/chat/completions" -> pipeline.chatCompletions(post(exchange, method, path, requestId), channel);
            case "/v1/messages" -> pipeline.messages(post(exchange, method, path, requestId), channel);
            case "/v1/messages/count_tokens" ->
                pipeline.models().countTokens(post(exchange, method, path, requestId), channel);
            case "/v1/embeddings" -> pipeline.embeddings(post(exchange, method, path, requestId), channel);
            case "/v1/models" -> {
                requireMethod(method, path, "GET");
                pipeline.models().list(gatewayRequest(exchange, requestId, new byte[0]), channel);
            }
            case BEFORE_CHECKPOINT_PATH, AFTER_RESTORE_PATH -> {
                if (!isAdapterLifecycleCall(
                        method,
                        exchange.getRemoteAddress().getAddress(),
                        FORWARDED_INVOCATION_HEADERS.stream().anyMatch(exchange.getRequestHeaders()::containsKey))) {
                    throw unknownPath(method, path);
                }
                List<SnapStartHooks.Run> runs =
                        path.equals(BEFORE_CHECKPOINT_PATH) ? hooks.runBeforeCheckpoint() : hooks.runAfterRestore();
                channel.sendJson(200, Map.of("Content-Type", JSON), Json.write(Map.of("hooks", runs)));
            }
            default -> {
                if (path.startsWith(ADMIN_PREFIX) && pipeline.admin() != null) {
                    admin(exchange, channel, requestId, method, path);
                    return;
                }
                if (path.startsWith("/v1/models/") && path.length() > "/v1/models/".length()) {
                    requireMethod(method, path, "GET");
                    pipeline.models()
                            .retrieve(
                                    gatewayRequest(exchange, requestId, new byte[0]),
                                    path.substring("/v1/models/".length()),
                                    channel);
                    return;
                }
                throw unknownPath(method, path);
            }
        }
    }

    /** The management API: session tokens for any key; keys and usage for a tenant's admin key. */
    private void admin(HttpExchange exchange, ExchangeChannel channel, String requestId, String method, String path)
            throws IOException {
        AdminApi admin = pipeline.admin();
        String rest = path.substring(ADMIN_PREFIX.length());
        switch (rest) {
            case "sessions" -> admin.createSession(post(exchange, method, path, requestId), channel);
            case "keys" -> {
                if ("POST".equals(method)) {
                    admin.createKey(post(exchange, method, path, requestId), channel);
                } else {
                    requireMethod(method, path, "GET");
                    admin.listKeys(gatewayRequest(exchange, requestId, new byte[0]), channel);
                }
            }
            case "usage" -> {
                requireMethod(method, path, "GET");
                admin.usage(gatewayRequest(exchange, requestId, new byte[0]), query(exchange, "period"), channel);
            }
            default -> {
                if (!rest.startsWith("keys/") || rest.length() == "keys/".length() || rest.indexOf('/', 5) >= 0) {
                    throw unknownPath(method, path);
                }
                requireMethod(method, path, "DELETE");
                admin.revokeKey(gatewayRequest(exchange, requestId, new byte[0]), rest.substring(5), channel);
            }
        }
    }

    /** One query parameter's decoded value, or null. */
    private static String query(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.substring(0, equals).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(equals + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /**
     * Whether a request may run the SnapStart hooks: a POST from loopback (where the Web Adapter runs) that is not
     * an invocation the adapter forwarded. The adapter itself answers 403 to outside requests for its hook paths;
     * this check holds wherever the router runs without it in front (dev mode bound to all interfaces, a container).
     */
    static boolean isAdapterLifecycleCall(String method, InetAddress caller, boolean forwardedInvocation) {
        return "POST".equals(method) && caller != null && caller.isLoopbackAddress() && !forwardedInvocation;
    }

    private static GatewayException unknownPath(String method, String path) {
        return GatewayException.notFound("Unknown path: " + method + " " + path + ". Sluice serves POST "
                + "/v1/chat/completions, /v1/messages, /v1/messages/count_tokens, /v1/embeddings and GET "
                + "/v1/models; and /sluice/v1/sessions, /sluice/v1/keys, /sluice/v1/usage.");
    }

    /** A POST with a JSON body within the size limit. */
    private GatewayRequest post(HttpExchange exchange, String method, String path, String requestId)
            throws IOException {
        requireMethod(method, path, "POST");
        requireJson(exchange);
        return gatewayRequest(exchange, requestId, readBody(exchange));
    }

    /** Accepts paths with and without the {@code /v1} prefix, as SDKs are configured both ways. */
    private static String normalise(String path) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return switch (trimmed) {
            case "/chat/completions" -> "/v1/chat/completions";
            case "/messages" -> "/v1/messages";
            case "/messages/count_tokens" -> "/v1/messages/count_tokens";
            case "/embeddings" -> "/v1/embeddings";
            case "/models" -> "/v1/models";
            case "/health", "/ping" -> "/healthz";
            default -> trimmed.startsWith("/models/") ? "/v1" + trimmed : trimmed;
        };
    }

    private static void requireMethod(String method, String path, String allowed) {
        if (!allowed.equals(method)) {
            throw GatewayException.methodNotAllowed(method, path);
        }
    }

    private static void requireJson(HttpExchange exchange) {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null) {
            return; // lenient: some clients omit it for JSON bodies
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaType.equals(JSON) && !mediaType.endsWith("+json")) {
            throw GatewayException.unsupportedMediaType(
                    contentType.length() > 100 ? contentType.substring(0, 100) : contentType);
        }
    }

    private byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > maxBodyBytes) {
                    throw GatewayException.payloadTooLarge(maxBodyBytes);
                }
            } catch (NumberFormatException e) {
                throw GatewayException.invalidRequest("Invalid Content-Length header.", null);
            }
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } catch (IOException e) {
            // A malformed chunked body, or a connection cut while its body was read (the request timeout): the
            // client's fault, not the server's. The answer goes out only if the client is still there.
            throw GatewayException.invalidRequest("The request body could not be read.", null);
        }
        if (body.length > maxBodyBytes) {
            throw GatewayException.payloadTooLarge(maxBodyBytes);
        }
        return body;
    }

    private GatewayRequest gatewayRequest(HttpExchange exchange, String requestId, byte[] body) {
        return new GatewayRequest(
                requestId,
                exchange.getRequestHeaders().getFirst("Authorization"),
                exchange.getRequestHeaders().getFirst("x-api-key"),
                exchange.getRequestHeaders().getFirst("anthropic-version"),
                clientAddresses.of(exchange),
                body,
                exchange.getRequestHeaders().getFirst("x-sluice-tags"),
                exchange.getRequestHeaders().getFirst("x-sluice-cache"),
                exchange.getRequestHeaders().getFirst("x-sluice-cache-ttl"));
    }

    private static void respond(
            ExchangeChannel channel,
            Map<String, String> headers,
            GatewayException error,
            String requestId,
            ErrorFormat format) {
        try {
            ErrorResponder.send(channel, headers, error, requestId, format);
        } catch (ClientDisconnectedException gone) {
            LOG.debug("request {}: client gone before the error response", requestId);
        }
    }
}
