package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.devstack.LocalUpstream;
import dev.sluice.store.TableNames;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routing issue's "done when", as a new user would try it: the dev stack, two stand-in providers
 * ({@code gatewayctl dev upstream}) behind one alias applied with {@code gatewayctl routes apply}; one is stopped and
 * requests keep succeeding, {@code routes health} shows its breaker open, and traffic returns once it is back.
 */
class LocalFailoverIT {
    private static final Duration COOL_DOWN = Duration.ofSeconds(3);
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private DevStack stack;
    private LocalUpstream first;
    private LocalUpstream second;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {first, second, stack}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ignored) {
                // closing twice (the stopped upstream) is harmless
            }
        }
    }

    @Test
    void stoppingOneOfTwoDeployments_isInvisibleToClients_showsOpenInRoutesHealth_andTrafficReturnsAfterRecovery()
            throws Exception {
        stack = DevStack.start(new DevOptions(
                "127.0.0.1",
                0,
                0,
                Duration.ZERO,
                Duration.ofMillis(100),
                Map.of(
                        "SLUICE_BREAKER_COOL_DOWN_MS",
                        Long.toString(COOL_DOWN.toMillis()),
                        "SLUICE_BREAKER_SHARED_READ_MS",
                        "100")));
        first = LocalUpstream.start(0, Duration.ZERO, Duration.ZERO);
        second = LocalUpstream.start(0, Duration.ZERO, Duration.ZERO);
        Path routing = dir.resolve("routes.yaml");
        Files.writeString(routing, """
                routes:
                  - alias: local-pair
                    deployments:
                      - {provider: openai-compatible, model: local-a, baseUrl: "%s", secretRef: local-upstream}
                      - {provider: openai-compatible, model: local-b, baseUrl: "%s", secretRef: local-upstream}
                """.formatted(first.baseUrl(), second.baseUrl()));
        assertThat(gatewayctl("routes", "apply", "-f", routing.toString())).contains("+ local-pair");
        Thread.sleep(2_100); // the dev router caches routes for 2 s; a new alias may have been looked up already

        assertThat(send()).containsExactly("200", "openai-compatible/local-a", "1");

        URI firstUrl = first.baseUrl();
        first.close();
        for (int i = 0; i < 10; i++) {
            List<String> answer = send();
            assertThat(answer.subList(0, 2)).containsExactly("200", "openai-compatible/local-b");
            assertThat(answer.get(2)).isEqualTo(i < 5 ? "2" : "1"); // five failures open the breaker
        }
        assertThat(gatewayctl("routes", "health"))
                .containsPattern("local-pair +openai-compatible/local-a \\S+ +open .*upstream_unreachable");

        first = LocalUpstream.start(firstUrl.getPort(), Duration.ZERO, Duration.ZERO);
        Thread.sleep(COOL_DOWN.toMillis() + 200);
        assertThat(send()).containsExactly("200", "openai-compatible/local-a", "1"); // a probe
        assertThat(send()).containsExactly("200", "openai-compatible/local-a", "1"); // the second probe closes it
        assertThat(send()).containsExactly("200", "openai-compatible/local-a", "1");
        assertThat(gatewayctl("routes", "health"))
                .containsPattern("local-pair +openai-compatible/local-a \\S+ +closed");
    }

    /** Status, {@code x-sluice-deployment}, {@code x-sluice-attempts}; the stream must end with {@code [DONE]}. */
    private List<String> send() throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + stack.demoKey())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                                {"model":"local-pair","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).endsWith("data: [DONE]\n\n");
        return List.of(
                Integer.toString(response.statusCode()),
                response.headers().firstValue("x-sluice-deployment").orElse("-"),
                response.headers().firstValue("x-sluice-attempts").orElse("-"));
    }

    private String gatewayctl(String... words) {
        TableNames tables = stack.tables();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(words),
                        java.util.stream.Stream.of(
                                "--dynamodb-endpoint", stack.dynamoDbEndpoint().toString(), "--emulator"))
                .toArray(String[]::new);
        int status = new GatewayCtl(
                        Map.of(
                                "SLUICE_KEYS_TABLE", tables.keys(),
                                "SLUICE_TENANTS_TABLE", tables.tenants(),
                                "SLUICE_ROUTES_TABLE", tables.routes(),
                                "SLUICE_USAGE_TABLE", tables.usage(),
                                "SLUICE_COUNTERS_TABLE", tables.counters(),
                                "SLUICE_AUDIT_TABLE", tables.audit()),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }
}
