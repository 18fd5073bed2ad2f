package dev.sluice.provider;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An HTTP/1.1 client whose every read happens on the thread that sent the request. On a virtual thread a read that
 * finds no bytes parks it, and the JDK's poller unparks it when the upstream's next chunk arrives, so a streamed chunk
 * costs one wake-up and one copy. The JDK's {@link HttpClient} reads on its selector thread and hands each chunk
 * through a worker thread to the reader: two more thread hops per chunk, which measured as a third of the router's
 * CPU per paced stream (bench/README.md, "The router alone").
 *
 * <p>It takes the JDK's {@link HttpRequest} (so the adapters build requests as before) and answers an
 * {@link HttpResponse} whose body is an {@link Http1Body}. What it does: keep-alive connections pooled per origin
 * (most recently used first, dropped after {@link #MAX_IDLE} idle), one more attempt on a fresh connection when a
 * pooled one turns out closed before any byte of the answer, TLS with host name verification and SNI, chunked and
 * Content-Length bodies, the request's timeout up to the response head ({@link HttpTimeoutException}, as the JDK
 * client) and the connect timeout ({@link HttpConnectTimeoutException}). What it does not: HTTP/2, redirects (the
 * JDK client's default does not follow them either), content codings (none is asked for), proxies.
 */
final class BlockingHttp1Client {
    /** A pooled connection idle longer than this is closed instead of reused: servers time idle ones out too. */
    static final Duration MAX_IDLE = Duration.ofSeconds(60);

    /**
     * Idle connections kept per origin; more are closed when released. At least 64, or the JDK's own keep-alive
     * setting {@code http.maxConnections} when higher (the Managed Instances stack sets it to twice the streams an
     * environment serves, so a burst's connections stay for the next one).
     */
    static final int MAX_IDLE_PER_ORIGIN = Math.max(64, Integer.getInteger("http.maxConnections", 0));

    /** Where a connection goes: scheme, host and port. */
    record Origin(boolean tls, String host, int port) {
        static Origin of(URI uri) {
            boolean tls = "https".equalsIgnoreCase(uri.getScheme());
            int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
            return new Origin(tls, uri.getHost(), port);
        }

        boolean defaultPort() {
            return port == (tls ? 443 : 80);
        }
    }

    private final Duration connectTimeout;
    private final Supplier<SSLSocketFactory> tlsSockets;
    private final Map<Origin, IdleConnections> idle = new ConcurrentHashMap<>();

    /** With the JVM's default trust (what the JDK client uses). */
    BlockingHttp1Client(Duration connectTimeout) {
        this(connectTimeout, BlockingHttp1Client::defaultTlsSockets);
    }

    BlockingHttp1Client(Duration connectTimeout, Supplier<SSLSocketFactory> tlsSockets) {
        this.connectTimeout = connectTimeout;
        this.tlsSockets = tlsSockets;
    }

    private static SSLSocketFactory defaultTlsSockets() {
        try {
            return SSLContext.getDefault().getSocketFactory();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no default TLS context", e);
        }
    }

    /**
     * Sends the request and reads the response head; the caller reads and closes the body, whatever the status.
     *
     * @throws HttpConnectTimeoutException when no connection is made within the connect timeout
     * @throws HttpTimeoutException        when the response head does not arrive within the request's timeout
     * @throws ConnectException            when the upstream refuses the connection or its host is unknown
     * @throws IOException                 when the connection fails otherwise
     */
    HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        Origin origin = Origin.of(request.uri());
        long deadline = request.timeout()
                .map(timeout -> System.nanoTime() + timeout.toNanos())
                .orElse(Long.MAX_VALUE);
        byte[] message = message(request, origin);
        while (true) {
            Http1Connection connection = pooled(origin);
            boolean reused = connection != null;
            if (!reused) {
                connection = connect(origin, deadline);
            }
            try {
                write(connection, message);
                return readResponse(connection, request, deadline);
            } catch (NoAnswer e) {
                connection.close();
                if (!reused) {
                    throw (IOException) e.getCause();
                }
                closeIdle(origin); // the server closed this one while it was idle; its siblings likely too
            } catch (IOException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }
    }

    private static void write(Http1Connection connection, byte[] message) throws NoAnswer {
        try {
            connection.output().write(message);
            connection.output().flush();
        } catch (IOException e) {
            throw new NoAnswer(e);
        }
    }

    /** Gives a connection whose body was read to its end back to the pool, or closes it. */
    void release(Http1Connection connection, boolean reusable) {
        if (!reusable || connection.isClosed()) {
            connection.close();
            return;
        }
        connection.markIdle(System.nanoTime());
        if (!idle.computeIfAbsent(connection.origin, origin -> new IdleConnections())
                .offer(connection)) {
            connection.close(); // the origin has enough idle ones
        }
    }

    /** Closes every idle connection (before a snapshot, or when done). */
    void closeIdle() {
        for (Origin origin : idle.keySet()) {
            closeIdle(origin);
        }
    }

    /** How many connections wait in the pool. */
    int idleConnections() {
        return idle.values().stream().mapToInt(IdleConnections::size).sum();
    }

    private void closeIdle(Origin origin) {
        IdleConnections connections = idle.get(origin);
        if (connections != null) {
            for (Http1Connection connection = connections.poll(); connection != null; connection = connections.poll()) {
                connection.close();
            }
        }
    }

    private Http1Connection pooled(Origin origin) {
        IdleConnections connections = idle.get(origin);
        if (connections == null) {
            return null;
        }
        long now = System.nanoTime();
        for (Http1Connection connection = connections.poll(); connection != null; connection = connections.poll()) {
            if (!connection.isClosed() && now - connection.idleSince() < MAX_IDLE.toNanos()) {
                return connection;
            }
            connection.close();
        }
        return null;
    }

    private Http1Connection connect(Origin origin, long deadline) throws IOException {
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(origin.host(), origin.port()), connectMillis);
            if (origin.tls()) {
                SSLSocket tls = (SSLSocket) tlsSockets.get().createSocket(socket, origin.host(), origin.port(), true);
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setApplicationProtocols(new String[] {"http/1.1"});
                tls.setSSLParameters(parameters);
                tls.setSoTimeout(Math.min(connectMillis, remainingMillis(deadline)));
                tls.startHandshake();
                socket = tls;
            }
            return new Http1Connection(origin, socket);
        } catch (SocketTimeoutException e) {
            socket.close();
            HttpConnectTimeoutException timeout =
                    new HttpConnectTimeoutException("no connection to the upstream within " + connectMillis + " ms");
            timeout.initCause(e);
            throw timeout;
        } catch (UnknownHostException e) {
            socket.close();
            ConnectException unreachable = new ConnectException("unknown upstream host");
            unreachable.initCause(e);
            throw unreachable;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The request line, headers and body in one array, so the request goes out in one write. */
    private static byte[] message(HttpRequest request, Origin origin) throws IOException {
        byte[] body = body(request);
        URI uri = request.uri();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder head =
                new StringBuilder(256).append(request.method()).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            head.append('?').append(uri.getRawQuery());
        }
        head.append(" HTTP/1.1\r\nHost: ").append(origin.host());
        if (!origin.defaultPort()) {
            head.append(':').append(origin.port());
        }
        head.append("\r\n");
        boolean userAgent = false;
        for (Map.Entry<String, List<String>> header : request.headers().map().entrySet()) {
            userAgent |= header.getKey().equalsIgnoreCase("User-Agent");
            for (String value : header.getValue()) {
                head.append(header.getKey()).append(": ").append(value).append("\r\n");
            }
        }
        if (!userAgent) {
            head.append("User-Agent: sluice\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null || body.length == 0) {
            return headBytes;
        }
        byte[] message = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, message, 0, headBytes.length);
        System.arraycopy(body, 0, message, headBytes.length, body.length);
        return message;
    }

    /** The request's body, collected from its publisher (the adapters' byte-array publishers deliver at once). */
    private static byte[] body(HttpRequest request) throws IOException {
        Optional<HttpRequest.BodyPublisher> publisher = request.bodyPublisher();
        if (publisher.isEmpty()) {
            return null;
        }
        CompletableFuture<byte[]> collected = new CompletableFuture<>();
        publisher.get().subscribe(new Flow.Subscriber<>() {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(
                    (int) Math.max(0, Math.min(publisher.get().contentLength(), 1 << 20)));

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                if (item.hasArray()) {
                    bytes.write(item.array(), item.arrayOffset() + item.position(), item.remaining());
                } else {
                    byte[] copy = new byte[item.remaining()];
                    item.get(copy);
                    bytes.write(copy, 0, copy.length);
                }
            }

            @Override
            public void onError(Throwable failure) {
                collected.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                collected.complete(bytes.toByteArray());
            }
        });
        try {
            return collected.join();
        } catch (RuntimeException e) {
            throw new IOException("the request body could not be read", e);
        }
    }

    /** Thrown when a connection ended or failed before the first byte of the answer: safe to send again. */
    private static final class NoAnswer extends IOException {
        NoAnswer(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private HttpResponse<InputStream> readResponse(Http1Connection connection, HttpRequest request, long deadline)
            throws IOException {
        connection.readTimeout(remainingMillis(deadline));
        try {
            try {
                if (!connection.fill()) {
                    throw new NoAnswer(new EOFException("the upstream closed the connection without answering"));
                }
            } catch (SocketException e) {
                throw new NoAnswer(e);
            }
            int budget = Http1Connection.MAX_HEAD;
            while (true) {
                String statusLine = connection.readLine(budget);
                budget -= statusLine.length();
                int status = status(statusLine);
                TreeMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (String line = connection.readLine(budget); !line.isEmpty(); line = connection.readLine(budget)) {
                    budget -= line.length();
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        throw new IOException("the upstream sent a malformed header line");
                    }
                    headers.computeIfAbsent(line.substring(0, colon).trim(), name -> new ArrayList<>(1))
                            .add(line.substring(colon + 1).trim());
                }
                if (status / 100 == 1) {
                    continue; // 100 Continue, 103 Early Hints: the answer follows
                }
                connection.readTimeout(0); // silence within the body is the stall guard's to judge
                boolean http11 = statusLine.startsWith("HTTP/1.1");
                boolean reusable = http11 && !hasToken(headers, "Connection", "close");
                Http1Body body = body(connection, request, status, headers, reusable);
                return new Response(status, HttpHeaders.of(headers, (name, value) -> true), body, request);
            }
        } catch (SocketTimeoutException e) {
            HttpTimeoutException timeout = new HttpTimeoutException("no answer from the upstream in time");
            timeout.initCause(e);
            throw timeout;
        }
    }

    private Http1Body body(
            Http1Connection connection,
            HttpRequest request,
            int status,
            Map<String, List<String>> headers,
            boolean reusable)
            throws IOException {
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            return new Http1Body(connection, this, Http1Body.Framing.EMPTY, 0, reusable);
        }
        if (hasToken(headers, "Transfer-Encoding", "chunked")) {
            return new Http1Body(connection, this, Http1Body.Framing.CHUNKED, 0, reusable);
        }
        List<String> length = headers.get("Content-Length");
        if (length != null) {
            try {
                long bytes = Long.parseLong(length.get(0));
                if (bytes < 0) {
                    throw new NumberFormatException();
                }
                return new Http1Body(connection, this, Http1Body.Framing.LENGTH, bytes, reusable);
            } catch (NumberFormatException e) {
                throw new IOException("the upstream sent a malformed Content-Length", e);
            }
        }
        return new Http1Body(connection, this, Http1Body.Framing.UNTIL_CLOSE, 0, false);
    }

    private static boolean hasToken(Map<String, List<String>> headers, String name, String token) {
        for (String value : headers.getOrDefault(name, List.of())) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int status(String statusLine) throws IOException {
        // HTTP/1.1 200 OK
        if (statusLine.length() < 12
                || !statusLine.toUpperCase(Locale.ROOT).startsWith("HTTP/1.")
                || statusLine.charAt(8) != ' ') {
            throw new IOException("the upstream did not answer in HTTP/1.1");
        }
        try {
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("the upstream sent a malformed status line", e);
        }
    }

    private static int remainingMillis(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return 0; // no limit
        }
        long millis = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, millis));
    }

    /**
     * The idle connections to one origin, most recently used first (the least likely to have been closed by the
     * server), with their count kept beside them: a concurrent deque's {@code size()} walks every node.
     */
    private static final class IdleConnections {
        private final ConcurrentLinkedDeque<Http1Connection> connections = new ConcurrentLinkedDeque<>();
        private final AtomicInteger count = new AtomicInteger();

        /** False when the origin already has {@link #MAX_IDLE_PER_ORIGIN} idle connections. */
        boolean offer(Http1Connection connection) {
            if (count.incrementAndGet() > MAX_IDLE_PER_ORIGIN) {
                count.decrementAndGet();
                return false;
            }
            connections.offerFirst(connection);
            return true;
        }

        Http1Connection poll() {
            Http1Connection connection = connections.pollFirst();
            if (connection != null) {
                count.decrementAndGet();
            }
            return connection;
        }

        int size() {
            return count.get();
        }
    }

    /** The answer: status, head and the body to read (and close). */
    private record Response(int statusCode, HttpHeaders headers, InputStream body, HttpRequest request)
            implements HttpResponse<InputStream> {
        @Override
        public Optional<HttpResponse<InputStream>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
