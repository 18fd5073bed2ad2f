package dev.sluice.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.sluice.testing.FakeUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockingHttp1ClientTest {
    private final BlockingHttp1Client client = new BlockingHttp1Client(Duration.ofSeconds(2));
    private ScriptedServer server;

    @AfterEach
    void close() throws IOException {
        client.closeIdle();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void sendsTheRequestLineHeadersAndBodyInOneMessage() throws Exception {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(server.uri("/v1/chat?api-version=1"))
                .header("Authorization", "Bearer k")
                .header("X-Request-Id", "r-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}"))
                .build());

        assertThat(read(response)).isEqualTo("ok");
        String request = server.requests.get(0);
        assertThat(request)
                .startsWith("POST /v1/chat?api-version=1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n")
                .contains("\r\nAuthorization: Bearer k\r\n", "\r\nX-Request-Id: r-1\r\n", "\r\nUser-Agent: sluice\r\n")
                .contains("\r\nContent-Length: 7\r\n")
                .endsWith("\r\n\r\n{\"a\":1}");
    }

    @Test
    void aStreamReadToItsLastEventLeavesItsConnectionForTheNextRequest() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<InputStream> response = client.send(streamedChat(upstream));
                assertThat(response.statusCode()).isEqualTo(200);
                try (InputStream body = response.body()) { // as the adapters read: up to [DONE], then close
                    SseEventReader events = new SseEventReader(body);
                    String data;
                    do {
                        data = new String(events.nextBytes().data(), StandardCharsets.UTF_8);
                    } while (!data.equals("[DONE]"));
                }
                assertThat(client.idleConnections()).isEqualTo(1);
            }
            assertThat(read(client.send(streamedChat(upstream)))).endsWith("data: [DONE]\n\n");
            assertThat(client.idleConnections()).isEqualTo(1);
        }
    }

    @Test
    void theTerminatingChunkAfterTheLastEventIsSkippedAtClose() throws Exception {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk("data: {\"n\":1}\n\n") + chunk("data: [DONE]\n\n") + "0\r\n\r\n");
        for (int i = 0; i < 3; i++) {
            HttpResponse<InputStream> response = client.send(post(server.uri("/")));
            try (InputStream body = response.body()) {
                SseEventReader events = new SseEventReader(body);
                assertThat(new String(events.nextBytes().data(), StandardCharsets.UTF_8))
                        .isEqualTo("{\"n\":1}");
                assertThat(new String(events.nextBytes().data(), StandardCharsets.UTF_8))
                        .isEqualTo("[DONE]");
                Thread.sleep(20); // the terminating chunk arrives meanwhile
            }
        }
        assertThat(server.connections.get()).isEqualTo(1);
        assertThat(server.requests).hasSize(3);
    }

    @Test
    void aBodyClosedBeforeItsEndClosesTheConnectionSoTheUpstreamStops() throws Exception {
        CountDownLatch upstreamSawTheClose = new CountDownLatch(1);
        server = new ScriptedServer(request -> null) {
            @Override
            void answer(Socket socket, OutputStream out) throws IOException {
                out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("data: 1\n\n"))
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (socket.getInputStream().read() < 0) {
                    upstreamSawTheClose.countDown();
                }
            }
        };
        HttpResponse<InputStream> response = client.send(post(server.uri("/")));
        InputStream body = response.body();
        assertThat(body.read(new byte[64])).isPositive();
        body.close();

        assertThat(upstreamSawTheClose.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(client.idleConnections()).isZero();
        assertThatThrownBy(() -> body.read(new byte[8])).isInstanceOf(IOException.class);
    }

    @Test
    void aCloseFromAnotherThreadFailsTheBlockedRead() throws Exception {
        server = new ScriptedServer(request -> null) {
            @Override
            void answer(Socket socket, OutputStream out) throws IOException {
                out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                socket.getInputStream().read(); // holds until the client goes
            }
        };
        InputStream body = client.send(post(server.uri("/"))).body();
        Thread.ofVirtual().start(() -> {
            sleep(200);
            try {
                body.close();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> body.read(new byte[64])).isInstanceOf(IOException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void contentLengthAndConnectionCloseBodies() throws Exception {
        AtomicInteger count = new AtomicInteger();
        server = new ScriptedServer(request -> count.incrementAndGet() == 1
                ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfirst"
                : "HTTP/1.1 201 Created\r\ncontent-length: 6\r\nX-Multi: a\r\nX-Multi: b\r\n\r\nsecond");

        HttpResponse<InputStream> first = client.send(post(server.uri("/")));
        assertThat(read(first)).isEqualTo("first");
        assertThat(client.idleConnections()).isZero();

        HttpResponse<InputStream> second = client.send(post(server.uri("/")));
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.headers().firstValue("Content-Length")).contains("6");
        assertThat(second.headers().allValues("x-multi")).containsExactly("a", "b");
        assertThat(read(second)).isEqualTo("second");
        assertThat(client.idleConnections()).isEqualTo(1);
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void aBodyWithoutLengthEndsWithTheConnection() throws Exception {
        server = new ScriptedServer(request -> null) {
            @Override
            void answer(Socket socket, OutputStream out) throws IOException {
                out.write("HTTP/1.1 200 OK\r\n\r\nall of it".getBytes(StandardCharsets.US_ASCII));
                socket.close();
            }
        };
        assertThat(read(client.send(post(server.uri("/"))))).isEqualTo("all of it");
        assertThat(client.idleConnections()).isZero();
    }

    @Test
    void idleConnectionsAreKeptUpToTheCapPerOrigin() throws Exception {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        for (int i = 0; i <= BlockingHttp1Client.MAX_IDLE_PER_ORIGIN; i++) {
            open.add(client.send(post(server.uri("/")))); // each body still unread: a connection of its own
        }
        for (HttpResponse<InputStream> response : open) {
            assertThat(read(response)).isEqualTo("ok");
        }

        assertThat(server.connections.get()).isEqualTo(BlockingHttp1Client.MAX_IDLE_PER_ORIGIN + 1);
        assertThat(client.idleConnections()).isEqualTo(BlockingHttp1Client.MAX_IDLE_PER_ORIGIN);
    }

    @Test
    void interimResponsesAreSkipped() throws Exception {
        server = new ScriptedServer(
                request -> "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        HttpResponse<InputStream> response = client.send(post(server.uri("/")));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(read(response)).isEqualTo("ok");
    }

    @Test
    void aPooledConnectionTheServerClosedIsReplacedWithoutFailingTheRequest() throws Exception {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") {
            @Override
            boolean keepOpen() {
                return false; // answers as if keep-alive, then closes: an idle timeout that struck in between
            }
        };
        assertThat(read(client.send(post(server.uri("/"))))).isEqualTo("ok");
        assertThat(client.idleConnections()).isEqualTo(1);
        Thread.sleep(100);

        assertThat(read(client.send(post(server.uri("/"))))).isEqualTo("ok");
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsAnHttpTimeout() throws Exception {
        server = new ScriptedServer(request -> null) {
            @Override
            void answer(Socket socket, OutputStream out) throws IOException {
                socket.getInputStream().read();
            }
        };
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(server.uri("/"))
                        .timeout(Duration.ofMillis(300))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
    }

    @Test
    void aRefusedConnectionIsAConnectException() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        assertThatThrownBy(() -> client.send(post(URI.create("http://127.0.0.1:" + port + "/"))))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void aMalformedOrOversizedHeadIsAnIoFailure() throws Exception {
        server = new ScriptedServer(request -> "SSH-2.0-OpenSSH\r\n\r\n");
        assertThatThrownBy(() -> client.send(post(server.uri("/"))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP/1.1");
        server.close();

        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n");
        assertThatThrownBy(() -> client.send(post(server.uri("/"))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("larger than");
    }

    @Test
    void aStreamCutBeforeItsEndFailsTheRead() throws Exception {
        server = new ScriptedServer(request -> null) {
            @Override
            void answer(Socket socket, OutputStream out) throws IOException {
                out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("data: 1\n\n"))
                        .getBytes(StandardCharsets.US_ASCII));
                socket.close();
            }
        };
        InputStream body = client.send(post(server.uri("/"))).body();
        assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }

    @Test
    void aTlsUpstreamIsVerifiedStreamedAndItsConnectionKept(@TempDir Path dir) throws Exception {
        SSLContext upstreamTls = selfSignedFor127001(dir);
        HttpsServer upstream = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.setHttpsConfigurator(new HttpsConfigurator(upstreamTls));
        upstream.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String data : List.of("{\"n\":1}", "{\"n\":2}", "[DONE]")) {
                    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        });
        upstream.start();
        URI uri = URI.create("https://127.0.0.1:" + upstream.getAddress().getPort() + "/v1/chat/completions");
        BlockingHttp1Client trusting = new BlockingHttp1Client(Duration.ofSeconds(2), upstreamTls::getSocketFactory);
        try {
            for (int i = 0; i < 2; i++) {
                HttpResponse<InputStream> response = trusting.send(post(uri));
                assertThat(response.headers().firstValue("content-type")).contains("text/event-stream");
                assertThat(read(response)).isEqualTo("data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n");
                assertThat(trusting.idleConnections()).isEqualTo(1);
            }

            // the same certificate under a name it does not carry, and under the JVM's default trust
            URI byName = URI.create("https://localhost:" + upstream.getAddress().getPort() + "/");
            assertThatThrownBy(() -> trusting.send(post(byName))).isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> client.send(post(uri))).isInstanceOf(SSLHandshakeException.class);
        } finally {
            trusting.closeIdle();
            upstream.stop(0);
        }
    }

    /** A TLS context holding a fresh self-signed certificate for 127.0.0.1 only, trusting just that certificate. */
    private static SSLContext selfSignedFor127001(Path dir) throws Exception {
        Path store = dir.resolve("upstream.p12");
        char[] password = "changeit".toCharArray();
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "upstream",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "san=ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, password);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(keys);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    private static HttpRequest streamedChat(FakeUpstream upstream) {
        return HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
    }

    private static HttpRequest post(URI uri) {
        return HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
    }

    private static String read(HttpResponse<InputStream> response) throws IOException {
        try (InputStream body = response.body()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A server on 127.0.0.1 that reads each request (head and Content-Length body) and writes the scripted answer's
     * bytes as they are, so a test controls framing, pauses and closes to the byte.
     */
    static class ScriptedServer implements AutoCloseable {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket listener;
        private final IntFunction<String> script;
        private final BlockingQueue<Socket> open = new LinkedBlockingQueue<>();

        ScriptedServer(Function<String, String> answers) throws IOException {
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.script = index -> answers.apply(requests.get(index));
            Thread.ofVirtual().start(this::accept);
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port() + path);
        }

        int port() {
            return listener.getLocalPort();
        }

        /** Whether a connection stays open after an answer; false closes each one after its first answer. */
        boolean keepOpen() {
            return true;
        }

        /** Writes the answer; by default the script's bytes. */
        void answer(Socket socket, OutputStream out) throws IOException {
            out.write(script.apply(requests.size() - 1).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    connections.incrementAndGet();
                    open.add(socket);
                    Thread.ofVirtual().start(() -> serve(socket));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (true) {
                    String request = readRequest(in);
                    if (request == null) {
                        return;
                    }
                    requests.add(request);
                    answer(socket, out);
                    if (!keepOpen() || socket.isClosed()) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went; nothing to serve
            }
        }

        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == '\r' || b == '\n') && (matched % 2 == 0 ? b == '\r' : b == '\n') ? matched + 1 : 0;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : open) {
                socket.close();
            }
        }
    }
}
