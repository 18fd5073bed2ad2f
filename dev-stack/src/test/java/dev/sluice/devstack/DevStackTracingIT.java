package dev.sluice.devstack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Traces end to end: the dev stack with {@code SLUICE_TRACES=otlp} pointed at a loopback OTLP/HTTP receiver (an
 * {@link HttpServer} that keeps what it is sent). A request carrying a W3C {@code traceparent} is served, and the
 * receiver gets the request's spans in that trace: the server span and every stage. OTLP's protobuf carries names as
 * UTF-8 and the trace id as its 16 raw bytes, which is what the test looks for.
 */
@Timeout(120)
class DevStackTracingIT {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private HttpServer collector;

    @BeforeEach
    void startCollector() throws Exception {
        GlobalOpenTelemetry.resetForTest(); // another test of this JVM may have asked for a tracer already
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (received) {
                received.writeBytes(body);
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
    }

    @AfterEach
    void stopCollector() {
        collector.stop(0);
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void request_withTraceparent_exportsItsStagesInTheCallersTrace() throws Exception {
        Map<String, String> env = Map.of(
                "SLUICE_TRACES",
                "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:" + collector.getAddress().getPort());
        try (DevStack stack =
                DevStack.start(DevOptions.defaults(env).withPorts(0, 0).withDemoDelay(Duration.ZERO))) {
            HttpResponse<String> response = CLIENT.send(
                    HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/chat/completions"))
                            .header("Authorization", "Bearer " + stack.demoKey())
                            .header("Content-Type", "application/json")
                            .header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"trace me\"}]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);

            String exported = awaitExport("publish", TimeUnit.SECONDS.toNanos(20));
            assertThat(exported)
                    .contains("POST /v1/chat/completions", "auth", "route", "admit", "cache", "upstream demo")
                    .contains("settle", "publish")
                    .contains("gen_ai.system", "gen_ai.request.model", "gen_ai.usage.input_tokens")
                    .contains("first_token")
                    .contains("sluice-dev");
            byte[] traceId = HexFormat.of().parseHex(TRACE_ID);
            assertThat(new String(bytes(), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("the caller's trace id, as OTLP's raw bytes")
                    .contains(new String(traceId, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    private byte[] bytes() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    private String awaitExport(String lastSpan, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < deadline) {
            String text = new String(bytes(), UTF_8);
            if (text.contains(lastSpan) && text.contains("POST /v1/chat/completions")) {
                return text;
            }
            Thread.sleep(50);
        }
        return new String(bytes(), UTF_8);
    }
}
