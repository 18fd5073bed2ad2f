package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code sessions mint} against a stand-in gateway on 127.0.0.1 that records the request and answers as Sluice does. */
class SessionsMintTest {
    private static final String KEY = "sk-sluice-00112233445566778899aabbccddeeff00112233";

    private record Recorded(String method, String path, String authorization, String contentType, String body) {}

    private HttpServer server;
    private final BlockingQueue<Recorded> requests = new ArrayBlockingQueue<>(4);
    private volatile int status = 200;
    private volatile String answer = """
            {"object":"session","id":"sess_abc123","token":"sk-sluice-session.eyJhbGciOiJIUzI1NiJ9.e30.sig",
             "expires_at":1765000000,"models":["demo"]}""";

    @BeforeEach
    void startGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopGateway() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.offer(new Recorded(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private record Result(int status, String out, String err) {}

    private Result gatewayctl(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new GatewayCtl(
                        env,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Recorded recorded() throws InterruptedException {
        Recorded request = requests.poll(5, TimeUnit.SECONDS);
        assertThat(request).as("a request reached the gateway").isNotNull();
        return request;
    }

    @Test
    void mint_postsTheTtlAndModelsWithTheKey_andPrintsTheToken() throws Exception {
        Result result = gatewayctl(
                Map.of(),
                "sessions",
                "mint",
                "--key",
                KEY,
                "--url",
                url() + "/",
                "--ttl",
                "10m",
                "--models",
                "demo,fast");

        assertThat(result.status()).as(result.err()).isZero();
        Recorded request = recorded();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/sluice/v1/sessions");
        assertThat(request.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(request.contentType()).isEqualTo("application/json");
        JsonNode body = Json.read(request.body());
        assertThat(body.path("ttl_seconds").asLong()).isEqualTo(600);
        assertThat(body.path("models")).extracting(JsonNode::asText).containsExactly("demo", "fast");
        assertThat(result.out())
                .contains("sess_abc123")
                .contains("sk-sluice-session.eyJhbGciOiJIUzI1NiJ9.e30.sig")
                .contains("2025-12-06T05:46:40Z")
                .doesNotContain(KEY);
    }

    @Test
    void mint_withoutModelsOrUrl_usesSluiceUrlAndOmitsModels() throws Exception {
        Result result = gatewayctl(Map.of("SLUICE_URL", url()), "sessions", "mint", "--key", KEY);

        assertThat(result.status()).as(result.err()).isZero();
        JsonNode body = Json.read(recorded().body());
        assertThat(body.path("ttl_seconds").asLong()).isEqualTo(3600);
        assertThat(body.has("models")).isFalse();
    }

    @Test
    void mint_whenTheGatewayRefuses_printsItsMessageAndFails() throws Exception {
        status = 403;
        answer = """
                {"error":{"message":"this key may not mint sessions for model 'gpt'","type":"permission_error",
                 "code":"model_not_allowed"}}""";

        Result result = gatewayctl(Map.of(), "sessions", "mint", "--key", KEY, "--url", url(), "--models", "gpt");

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).contains("gatewayctl: this key may not mint sessions for model 'gpt'");
        assertThat(result.out() + result.err()).doesNotContain(KEY);
        recorded();
    }

    @Test
    void mint_whenTheAnswerIsNotJson_failsWithTheStatus() {
        status = 502;
        answer = "<html>bad gateway</html>";

        Result result = gatewayctl(Map.of(), "sessions", "mint", "--key", KEY, "--url", url());

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).contains("HTTP 502");
    }
}
