package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.json.Json;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Route;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.store.InMemoryUsageStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP layer over real sockets, with in-memory ports behind it: routing, headers, and every bad input. */
class RouterServerTest {
    private static RouterServer server;
    private static String key;
    private static String restrictedKey;
    private static final InMemoryUsagePublisher USAGE = new InMemoryUsagePublisher();
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws IOException {
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        key = storeKey(keys, Set.of());
        restrictedKey = storeKey(keys, Set.of("other"));
        InMemoryRouteRepository routes = new InMemoryRouteRepository();
        routes.put(new Route("demo", List.of(new Deployment(DemoProvider.TYPE, "demo-1", null, null, null, null))));
        routes.put(new Route("other", List.of(new Deployment(DemoProvider.TYPE, "demo-2", null, null, null, null))));
        server = RouterServer.start(
                "127.0.0.1",
                0,
                GatewayWiring.pipeline(
                        keys,
                        new InMemoryTenantRepository(),
                        routes,
                        new InMemoryQuotaLedger(),
                        new InMemoryUsageStore(),
                        new LocalSecretStore(Map.of()),
                        USAGE,
                        List.of(new DemoProvider(Duration.ZERO)),
                        Duration.ZERO,
                        Duration.ZERO,
                        Clock.systemUTC()),
                1024 * 1024);
    }

    private static String storeKey(InMemoryKeyRepository keys, Set<String> models) {
        String plain = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(plain);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        "t",
                        "k",
                        ApiKey.Role.APP,
                        ApiKey.Status.ACTIVE,
                        models,
                        Limits.NONE,
                        null));
        return plain;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> post(String path, String contentType, byte[] body, String bearer)
            throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertOpenAiError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("x-request-id"))
                .hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = Json.read(response.body()).get("error");
        assertThat(error.fieldNames()).toIterable().containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.get("message").asText()).isNotBlank();
        if (code != null) {
            assertThat(error.get("code").asText()).isEqualTo(code);
        }
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void chatCompletions_streams_eventStreamWithRequestId() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]}""".getBytes(), key);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        assertThat(response.headers().firstValue("x-request-id")).isPresent();
        assertThat(response.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "POST, /v1/chat/completions, '{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
        "POST, /v1/messages, '{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
        "POST, /v1/messages, '{\"model\":\"missing\",\"max_tokens\":5,\"messages\":[]}'",
        "POST, /v1/embeddings, '{\"model\":\"demo\",\"input\":\"hi\"}'",
        "POST, /v1/chat/completions, 'not json'",
        "GET, /v1/models, ''",
        "GET, /v1/nothing, ''"
    })
    void everyResponse_carriesTheRequestIdUnderBothNames(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json");
        request = method.equals("GET") ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());

        String id = response.headers().firstValue("x-request-id").orElseThrow();
        assertThat(id).startsWith("req_");
        assertThat(response.headers().allValues("x-request-id")).containsExactly(id);
        assertThat(response.headers().allValues("request-id")).containsExactly(id);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "POST, /v1/chat/completions, '{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
        "POST, /v1/chat/completions, '{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
        "POST, /v1/messages, '{\"model\":\"demo\",\"max_tokens\":5,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
        "POST, /v1/chat/completions, 'not json'",
        "POST, /v1/embeddings, '{\"model\":\"demo\",\"input\":\"hi\"}'",
        "GET, /v1/models, ''",
        "GET, /healthz, ''",
        "GET, /sluice/v1/keys, ''",
        "GET, /v1/nothing, ''",
        "DELETE, /v1/models, ''"
    })
    void everyResponse_carriesTheSecurityHeaders(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
        assertThat(response.headers().allValues("Cache-Control"))
                .as("no-store, even where the stream relay asks for no-cache")
                .containsExactly("no-store");
    }

    @Test
    void chatCompletions_withoutV1Prefix_isServedToo() throws Exception {
        HttpResponse<String> response =
                post("/chat/completions", "application/json; charset=utf-8", """
                {"model":"demo","messages":[{"role":"user","content":"hi"}]}""".getBytes(), key);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.read(response.body()).get("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    void models_listsOnlyTheAliasesTheKeyMayUse() throws Exception {
        HttpResponse<String> all = CLIENT.send(
                HttpRequest.newBuilder(uri("/v1/models"))
                        .header("Authorization", "Bearer " + key)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> restricted = CLIENT.send(
                HttpRequest.newBuilder(uri("/v1/models"))
                        .header("Authorization", "Bearer " + restrictedKey)
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(Json.read(all.body()).findValuesAsText("id")).containsExactly("demo", "other");
        assertThat(Json.read(restricted.body()).findValuesAsText("id")).containsExactly("other");
    }

    @Test
    void modelTheKeyMayNotUse_is404LikeAnUnknownOne() throws Exception {
        assertOpenAiError(
                post("/v1/chat/completions", "application/json", """
                {"model":"demo","messages":[{"role":"user","content":"hi"}]}""".getBytes(), restrictedKey),
                404,
                "model_not_found");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON      | {"model":"demo",                                           | 400
            wrong type          | {"model":"demo","messages":{}}                             | 400
            missing model       | {"messages":[{"role":"user","content":"hi"}]}              | 400
            missing messages    | {"model":"demo"}                                           | 400
            empty messages      | {"model":"demo","messages":[]}                             | 400
            unknown model       | {"model":"nope","messages":[{"role":"user","content":"x"}]} | 404
            """)
    void badBody_is4xxInOpenAiFormat(String name, String body, int status) throws Exception {
        assertOpenAiError(post("/v1/chat/completions", "application/json", body.getBytes(), key), status, null);
    }

    @Test
    void badOrMissingKey_is401() throws Exception {
        byte[] body = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".getBytes();
        assertOpenAiError(post("/v1/chat/completions", "application/json", body, null), 401, "invalid_api_key");
        assertOpenAiError(
                post("/v1/chat/completions", "application/json", body, "sk-sluice-wrong"), 401, "invalid_api_key");
    }

    @Test
    void bodyOverOneMegabyte_is413() throws Exception {
        byte[] body = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(body, (byte) ' ');
        assertOpenAiError(post("/v1/chat/completions", "application/json", body, key), 413, "request_too_large");
    }

    @Test
    void malformedChunkedBody_is400NotAServerError() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                    + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));

            String response =
                    new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 400").contains("could not be read");
        }
    }

    @Test
    void nonJsonContentType_is415() throws Exception {
        assertOpenAiError(
                post("/v1/chat/completions", "application/x-www-form-urlencoded", "model=demo".getBytes(), key),
                415,
                "unsupported_media_type");
    }

    @Test
    void wrongMethodOrPath_is405Or404() throws Exception {
        assertOpenAiError(
                CLIENT.send(
                        HttpRequest.newBuilder(uri("/v1/chat/completions"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString()),
                405,
                "method_not_allowed");
        assertOpenAiError(
                CLIENT.send(
                        HttpRequest.newBuilder(uri("/v1/nothing-here")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()),
                404,
                "not_found");
        assertOpenAiError(post("/v1/models", "application/json", "{}".getBytes(), key), 405, "method_not_allowed");
    }

    private static void assertAnthropicError(HttpResponse<String> response, int status, String type) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = Json.read(response.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).isEqualTo(type);
        assertThat(body.at("/error/message").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON       | {"model":"demo",                                                          | 400
            missing max_tokens   | {"model":"demo","messages":[{"role":"user","content":"hi"}]}             | 400
            zero max_tokens      | {"model":"demo","max_tokens":0,"messages":[{"role":"user","content":"hi"}]} | 400
            missing messages     | {"model":"demo","max_tokens":5}                                           | 400
            bad role             | {"model":"demo","max_tokens":5,"messages":[{"role":"system","content":"x"}]} | 400
            unknown model        | {"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]} | 404
            """)
    void messages_badBody_is4xxInAnthropicFormat(String name, String body, int status) throws Exception {
        assertAnthropicError(
                post("/v1/messages", "application/json", body.getBytes(), key),
                status,
                status == 404 ? "not_found_error" : "invalid_request_error");
    }

    @Test
    void messages_routerLevelErrorsAndAuthUseAnthropicsFormat() throws Exception {
        byte[] body =
                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".getBytes();
        assertAnthropicError(
                post("/v1/messages", "application/json", body, "sk-sluice-wrong"), 401, "authentication_error");
        assertAnthropicError(post("/v1/messages", "text/plain", body, key), 415, "invalid_request_error");
        assertAnthropicError(
                CLIENT.send(
                        HttpRequest.newBuilder(uri("/v1/messages")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()),
                405,
                "invalid_request_error");
        byte[] huge = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        assertAnthropicError(post("/v1/messages", "application/json", huge, key), 413, "request_too_large");
    }

    @Test
    void messages_withXApiKey_answersAnAnthropicMessage() throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(uri("/v1/messages"))
                        .header("x-api-key", key)
                        .header("anthropic-version", "2023-06-01")
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode message = Json.read(response.body());
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(message.at("/usage/output_tokens").asInt()).isEqualTo(5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON      | {"model":"demo",                                    | 400
            missing input       | {"model":"demo"}                                    | 400
            empty input array   | {"model":"demo","input":[]}                         | 400
            wrong input type    | {"model":"demo","input":{"text":"x"}}               | 400
            bad encoding        | {"model":"demo","input":"x","encoding_format":"hex"} | 400
            bad dimensions      | {"model":"demo","input":"x","dimensions":0}          | 400
            unknown model       | {"model":"nope","input":"x"}                        | 404
            """)
    void embeddings_badBody_is4xxInOpenAiFormat(String name, String body, int status) throws Exception {
        assertOpenAiError(post("/v1/embeddings", "application/json", body.getBytes(), key), status, null);
    }

    @Test
    void models_retrieveOne_orModelNotFound() throws Exception {
        HttpResponse<String> found = CLIENT.send(
                HttpRequest.newBuilder(uri("/v1/models/demo"))
                        .header("Authorization", "Bearer " + key)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(Json.read(found.body()).path("id").asText()).isEqualTo("demo");
        assertOpenAiError(
                CLIENT.send(
                        HttpRequest.newBuilder(uri("/v1/models/nope"))
                                .header("Authorization", "Bearer " + key)
                                .build(),
                        HttpResponse.BodyHandlers.ofString()),
                404,
                "model_not_found");
    }

    @Test
    void healthz_answersForTheWebAdapterReadinessCheck() throws Exception {
        HttpResponse<String> response =
                CLIENT.send(HttpRequest.newBuilder(uri("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }
}
