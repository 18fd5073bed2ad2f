package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.json.Json;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.store.InMemoryUsageStore;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The two SnapStart hook paths over real sockets, called as the Web Adapter calls them: empty POSTs on loopback. */
class SnapStartEndpointsTest {
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<String> RAN = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean FAIL_RESTORE = new AtomicBoolean();
    private static RouterServer server;

    @BeforeAll
    static void start() throws Exception {
        SnapStartHooks hooks = new SnapStartHooks()
                .beforeCheckpoint("prime", () -> RAN.add("prime"))
                .beforeCheckpoint("broken-prime", () -> {
                    throw new IllegalStateException("priming failed");
                })
                .afterRestore("reconnect", () -> {
                    if (FAIL_RESTORE.get()) {
                        throw new IllegalStateException("secret detail of a failed restore");
                    }
                    RAN.add("reconnect");
                });
        server = RouterServer.start(
                "127.0.0.1",
                0,
                GatewayWiring.pipeline(
                        new InMemoryKeyRepository(),
                        new InMemoryTenantRepository(),
                        new InMemoryRouteRepository(),
                        new InMemoryQuotaLedger(),
                        new InMemoryUsageStore(),
                        new LocalSecretStore(Map.of()),
                        new InMemoryUsagePublisher(),
                        List.of(new DemoProvider(Duration.ZERO)),
                        Duration.ZERO,
                        Duration.ZERO,
                        Clock.systemUTC()),
                1024 * 1024,
                hooks);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        RAN.clear();
        FAIL_RESTORE.set(false);
    }

    private static HttpResponse<String> send(String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void beforeCheckpoint_runsTheHooks_andAnswers200EvenWhenPrimingFails() throws Exception {
        HttpResponse<String> response = send("POST", RouterServer.BEFORE_CHECKPOINT_PATH, Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RAN).containsExactly("prime");
        JsonNode hooks = Json.read(response.body()).get("hooks");
        assertThat(hooks.findValuesAsText("name")).containsExactly("prime", "broken-prime");
        assertThat(hooks.findValuesAsText("ok")).containsExactly("true", "false");
    }

    @Test
    void afterRestore_runsTheHooks_thenReseedsRequestIds() throws Exception {
        HttpResponse<String> response = send("POST", RouterServer.AFTER_RESTORE_PATH, Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RAN).containsExactly("reconnect");
        assertThat(Json.read(response.body()).get("hooks").findValuesAsText("name"))
                .containsExactly("reconnect", "reseed-request-ids");
    }

    @Test
    void afterRestore_failure_is500WithoutDetail_soTheAdapterFailsTheRestore() throws Exception {
        FAIL_RESTORE.set(true);

        HttpResponse<String> response = send("POST", RouterServer.AFTER_RESTORE_PATH, Map.of());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("secret detail");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GET  | /_sluice/snapstart/before-checkpoint    |
            PUT  | /_sluice/snapstart/after-restore        |
            POST | /v1/_sluice/snapstart/before-checkpoint |
            POST | /_sluice/snapstart/after-restore        | x-amzn-request-context
            POST | /_sluice/snapstart/before-checkpoint    | x-amzn-lambda-context
            POST | /_sluice/snapstart/other                |
            """)
    void anythingButTheAdaptersOwnPost_is404AndRunsNothing(String method, String path, String header) throws Exception {
        HttpResponse<String> response = send(method, path, header == null ? Map.of() : Map.of(header, "{}"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Json.read(response.body()).at("/error/code").asText()).isEqualTo("not_found");
        assertThat(RAN).isEmpty();
    }

    @Test
    void onlyLoopbackCallersMayRunTheHooks() throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        InetAddress privateAddress = InetAddress.getByAddress(new byte[] {10, 0, 0, 7});

        assertThat(RouterServer.isAdapterLifecycleCall("POST", loopback, false)).isTrue();
        assertThat(RouterServer.isAdapterLifecycleCall("POST", ipv6Loopback, false))
                .isTrue();
        assertThat(RouterServer.isAdapterLifecycleCall("POST", privateAddress, false))
                .isFalse();
        assertThat(RouterServer.isAdapterLifecycleCall("POST", loopback, true)).isFalse();
        assertThat(RouterServer.isAdapterLifecycleCall("GET", loopback, false)).isFalse();
    }

    @Test
    void requestIds_afterRestore_stillWellFormedAndDistinct() throws Exception {
        String before = send("GET", "/v1/nothing", Map.of())
                .headers()
                .firstValue("x-request-id")
                .orElseThrow();
        send("POST", RouterServer.AFTER_RESTORE_PATH, Map.of());
        String after = send("GET", "/v1/nothing", Map.of())
                .headers()
                .firstValue("x-request-id")
                .orElseThrow();

        assertThat(List.of(before, after)).allSatisfy(id -> assertThat(id).matches("req_[0-9a-f]{32}"));
        assertThat(after).isNotEqualTo(before);
    }
}
