package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle clients against a router in a JVM of its own ({@link InMemoryRouterMain}), whose limits come from
 * its environment as in production: a request must arrive within {@value #REQUEST_TIMEOUT_S} s, a response may take
 * {@value #RESPONSE_TIMEOUT_S} s, and {@value #MAX_CONNECTIONS} connections may be open. Each test is bounded to a
 * few seconds.
 */
class SlowClientsIT {
    private static final int REQUEST_TIMEOUT_S = 2;
    private static final int RESPONSE_TIMEOUT_S = 3;
    private static final int MAX_CONNECTIONS = 16;
    /** The JDK server sweeps its connections once a second: a limit is enforced within a tick of it. */
    private static final Duration TICK = Duration.ofSeconds(1);

    private static Process router;
    private static int port;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        Path log = Files.createDirectories(Path.of("target")).resolve("slow-clients-router.log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        InMemoryRouterMain.class.getName(),
                        "400")
                .redirectError(log.toFile());
        builder.environment().put("SLUICE_REQUEST_TIMEOUT_SECONDS", Integer.toString(REQUEST_TIMEOUT_S));
        builder.environment().put("SLUICE_RESPONSE_TIMEOUT_SECONDS", Integer.toString(RESPONSE_TIMEOUT_S));
        builder.environment().put("SLUICE_IDLE_TIMEOUT_SECONDS", Integer.toString(REQUEST_TIMEOUT_S));
        builder.environment().put("SLUICE_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS));
        router = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(router.getInputStream(), StandardCharsets.UTF_8));
        String ready = CompletableFuture.supplyAsync(() -> {
                    try {
                        for (String line; (line = out.readLine()) != null; ) {
                            if (line.startsWith("READY ")) {
                                return line;
                            }
                        }
                        return null;
                    } catch (IOException e) {
                        return null;
                    }
                })
                .get(30, TimeUnit.SECONDS);
        assertThat(ready).as("router started (see %s)", log).isNotNull();
        String[] parts = ready.split(" ");
        port = Integer.parseInt(parts[1]);
        key = parts[2];
        Thread.ofVirtual().start(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the router stopped
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) {
            router.getOutputStream().close();
            if (!router.waitFor(5, TimeUnit.SECONDS)) {
                router.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void slowloris_headersOneBytePer200ms_areCutWithinTheRequestTimeout_whileOthersAreServed() throws Exception {
        try (Socket slow = connect()) {
            slow.setSoTimeout(10_000);
            OutputStream out = slow.getOutputStream();
            byte[] head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "s".repeat(100))
                    .getBytes(StandardCharsets.US_ASCII);
            long started = System.nanoTime();
            Thread dribbler = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : head) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException cut) {
                    // cut by the server, or the test is over
                }
            });
            try {
                assertThat(normalRequest()).as("a normal client meanwhile").isEqualTo(200);
                assertThat(modelsWithJdkClient())
                        .as("a normal JDK client meanwhile")
                        .isEqualTo(200);

                assertThat(readUntilClosed(slow.getInputStream()))
                        .as("no answer, just closed")
                        .isEmpty();
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

                assertThat(elapsed)
                        .isGreaterThanOrEqualTo(
                                Duration.ofSeconds(REQUEST_TIMEOUT_S).minusMillis(100))
                        .isLessThanOrEqualTo(
                                Duration.ofSeconds(REQUEST_TIMEOUT_S).plus(TICK).plusSeconds(2));
            } finally {
                dribbler.interrupt();
                dribbler.join(2000);
            }
        }
        assertThat(normalRequest()).isEqualTo(200);
    }

    @Test
    void idleConnections_overTheLimit_areRefusedAtOnce_andFreedWithinTheRequestTimeout() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS / 2; i++) {
                idle.add(connect());
            }
            assertThat(normalRequest())
                    .as("served beside idle connections under the limit")
                    .isEqualTo(200);
            for (int i = MAX_CONNECTIONS / 2; i < MAX_CONNECTIONS; i++) {
                idle.add(connect());
            }
            Thread.sleep(300); // the server's selector accepts them
            long filled = System.nanoTime();

            assertThat(normalRequest())
                    .as("over the limit: closed without an answer")
                    .isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - filled)).isLessThan(Duration.ofSeconds(1));

            int status = -1;
            while (status != 200
                    && System.nanoTime() - filled < Duration.ofSeconds(8).toNanos()) {
                Thread.sleep(250);
                status = normalRequest();
            }
            assertThat(status).as("served once the idle connections are cut").isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - filled))
                    .isLessThanOrEqualTo(
                            Duration.ofSeconds(REQUEST_TIMEOUT_S).plus(TICK).plusSeconds(2));
            for (Socket socket : idle) {
                socket.setSoTimeout(3000);
                assertThat(readUntilClosed(socket.getInputStream())).isEmpty();
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void streamToAClientThatDoesNotRead_isCutWithinTheResponseTimeout() throws Exception {
        try (Socket reader = connect()) {
            String body = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            reader.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                    + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            // The demo model pauses 400 ms between words: the whole stream would take about 10 s.
            Thread.sleep(Duration.ofSeconds(RESPONSE_TIMEOUT_S).plus(TICK).plusSeconds(1));
            reader.setSoTimeout(3000);

            String received = new String(readUntilClosed(reader.getInputStream()), StandardCharsets.UTF_8);

            assertThat(received).startsWith("HTTP/1.1 200").doesNotContain("[DONE]");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(9));
        }
        assertThat(normalRequest()).isEqualTo(200);
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        return socket;
    }

    /** GET /v1/models on a connection of its own; its status, or -1 if the server closed without an answer. */
    private static int normalRequest() throws IOException {
        try (Socket socket = connect()) {
            socket.setSoTimeout(5000);
            try {
                socket.getOutputStream()
                        .write(("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                        + "Authorization: Bearer " + key + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
            } catch (SocketException closed) {
                return -1;
            }
            String response = new String(readUntilClosed(socket.getInputStream()), StandardCharsets.US_ASCII);
            return response.isEmpty() ? -1 : Integer.parseInt(response.split(" ", 3)[1]);
        }
    }

    private static int modelsWithJdkClient() throws Exception {
        try (HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
            return client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                                    .timeout(Duration.ofSeconds(5))
                                    .header("Authorization", "Bearer " + key)
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }

    /** Everything until the server closes (a reset counts as closed); fails on the socket's read timeout. */
    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("the server kept the connection open", stillOpen);
        } catch (SocketException reset) {
            // closed by the server with unread data on its side
        }
        return received.toByteArray();
    }
}
