package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A generated corpus of bad requests (fixed seed) against every endpoint, over raw sockets and the JDK client: malformed
 * and deeply nested JSON, invalid UTF-8, a wrong type in every field, bodies over the limit (declared and chunked),
 * huge and duplicate headers, wrong methods, paths and content types. Every answer is below 500, names no Java class
 * and carries no stack trace; answers from the router carry the security headers; and the server still serves after.
 *
 * <p>The JDK server rejects a few malformed heads itself, before the router sees them: those answers are its fixed
 * pages ({@link #JDK_PAGES}), two of which name an exception type (see the README), and 501 for an unknown
 * transfer coding, as RFC 9112 asks. Heads over {@link ServerLimits#maxHeaderBytes()} or with too many lines are
 * closed without an answer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputCorpusIT {
    private static final long SEED = 20261205L;
    private static final long MAX_BODY = RouterConfig.DEFAULT_MAX_BODY_BYTES;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final List<String> LEAK_MARKERS = List.of(
            "Exception", "at dev.sluice", "java.", "\tat ", "dev.sluice.", "com.fasterxml", "Jackson", "Caused by");
    /** The JDK server's own rejections of a malformed head, by body; the router never sees these requests. */
    private static final Map<String, Integer> JDK_PAGES = Map.of(
            "<h1>400 Bad Request</h1>Bad request line", 400,
            "<h1>400 Bad Request</h1>URISyntaxException thrown", 400,
            "<h1>400 Bad Request</h1>NumberFormatException thrown", 400,
            "<h1>400 Bad Request</h1>Illegal Content-Length value", 400,
            "<h1>400 Bad Request</h1>Conflicting or malformed headers detected", 400,
            "<h1>400 Bad Request</h1>Header key contains illegal characters", 400,
            "<h1>501 Not Implemented</h1>Unsupported Transfer-Encoding value", 501);

    private static final List<String> POST_PATHS = List.of(
            "/v1/chat/completions",
            "/v1/messages",
            "/v1/messages/count_tokens",
            "/v1/embeddings",
            "/sluice/v1/sessions",
            "/sluice/v1/keys");
    private static final List<String> ALL_PATHS = List.of(
            "/v1/chat/completions",
            "/v1/messages",
            "/v1/messages/count_tokens",
            "/v1/embeddings",
            "/v1/models",
            "/v1/models/demo",
            "/v1/models/nope",
            "/sluice/v1/keys",
            "/sluice/v1/keys/key_nope",
            "/sluice/v1/sessions",
            "/sluice/v1/usage",
            "/healthz",
            "/chat/completions",
            "/",
            "/v2/anything",
            "/v1",
            "/v1/models/",
            "/v1/models/a/b",
            "/sluice/v1/",
            "/sluice/v1/keys/",
            "/sluice/v1/keys/a/b",
            "/sluice/v1/nothing",
            "//v1/models",
            "/v1/chat/completions/../models",
            "/..%2f..%2fetc%2fpasswd",
            "/v1/models/%00",
            "/v1/models/%FF%FE",
            "/v1/models/" + "m".repeat(4000));
    private static final List<String> WRONG_VALUES = List.of(
            "null",
            "0",
            "-1",
            "1.5",
            "1e400",
            "-99999999999999999999999",
            "true",
            "\"\"",
            "\"x\"",
            "[]",
            "{}",
            "[null]",
            "[[]]",
            "{\"a\":{\"b\":[1,\"2\",null]}}",
            "\"" + "y".repeat(5000) + "\"");
    private static final String CHAT = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private static final String MESSAGES =
            "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private static final String EMBEDDINGS = "{\"model\":\"demo\",\"input\":\"hi\"";

    private static RouterServer server;
    private static InMemoryGateway gateway;

    /** One request of the corpus: raw bytes for a socket, or the same parts for the JDK client. */
    record Case(
            String name,
            String method,
            String path,
            Map<String, String> headers,
            byte[] body,
            Transport transport,
            boolean mayCloseWithoutAnswer) {
        Case withTransport(Transport other) {
            return new Case(name, method, path, headers, body, other, mayCloseWithoutAnswer);
        }
    }

    enum Transport {
        /** java.net.http, which frames the request itself */
        CLIENT,
        /** a socket, Content-Length framing unless the case sets its own framing headers */
        RAW,
        /** a socket, the body in random-sized chunks */
        RAW_CHUNKED,
        /** a socket, the case's bytes sent exactly as given in {@code body} (request line and head included) */
        RAW_VERBATIM
    }

    record Answer(int status, Map<String, String> headers, String body) {}

    @BeforeAll
    static void start() throws IOException {
        gateway = InMemoryGateway.create(Duration.ZERO);
        server = RouterServer.start("127.0.0.1", 0, gateway.pipeline(), MAX_BODY);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @Order(1)
    void corpus_hasAtLeastFiveHundredCases_overEveryEndpoint() {
        List<Case> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(500);
        assertThat(corpus.stream().map(Case::path).distinct()).containsAll(ALL_PATHS);
        assertThat(corpus.stream().map(Case::transport).distinct()).containsExactlyInAnyOrder(Transport.values());
    }

    @TestFactory
    @Order(2)
    Stream<DynamicTest> everyBadRequest_isAnsweredBelow500_withoutInternals() {
        return corpus().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c, send(c))));
    }

    @Test
    @Order(3)
    void afterTheCorpus_theServerStillServes() throws Exception {
        HttpResponse<String> chat = CLIENT.send(
                HttpRequest.newBuilder(uri("/v1/chat/completions"))
                        .timeout(READ_TIMEOUT)
                        .header("Authorization", "Bearer " + gateway.appKey())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT + "}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.body()).contains("chat.completion");
        Answer raw = send(
                new Case("models", "GET", "/v1/models", bearer(gateway.appKey()), new byte[0], Transport.RAW, false));
        assertThat(raw).isNotNull();
        assertThat(raw.status()).isEqualTo(200);
    }

    private static void check(Case c, Answer answer) {
        if (answer == null) {
            assertThat(c.mayCloseWithoutAnswer())
                    .as("%s: connection closed without an answer", c.name())
                    .isTrue();
            return;
        }
        Integer jdkStatus = JDK_PAGES.get(answer.body());
        if (jdkStatus != null) {
            assertThat(answer.status()).as(c.name()).isEqualTo(jdkStatus);
            return;
        }
        assertThat(answer.status())
                .as("%s answered %s", c.name(), answer.body())
                .isBetween(200, 499);
        for (String marker : LEAK_MARKERS) {
            assertThat(answer.body()).as("%s leaks %s", c.name(), marker).doesNotContain(marker);
        }
        assertThat(answer.headers())
                .as("%s: security headers", c.name())
                .containsEntry("x-content-type-options", "nosniff")
                .containsEntry("cache-control", "no-store")
                .containsKey("x-request-id");
    }

    // ---- the corpus ----

    static List<Case> corpus() {
        Random random = new Random(SEED);
        List<Case> cases = new ArrayList<>();
        methodsAndPaths(cases);
        malformedJson(cases);
        deepNesting(cases);
        wrongTypes(cases, random);
        invalidUtf8(cases, random);
        oversizedBodies(cases);
        headers(cases);
        contentTypes(cases);
        keys(cases);
        queries(cases);
        // A seeded share of the JSON cases goes over a raw socket as well, framed by Content-Length or chunks.
        List<Case> overSockets = new ArrayList<>();
        for (Case c : cases) {
            if (c.transport() == Transport.CLIENT && random.nextInt(8) == 0) {
                overSockets.add(c.withTransport(random.nextBoolean() ? Transport.RAW : Transport.RAW_CHUNKED));
            }
        }
        cases.addAll(overSockets);
        return cases;
    }

    private static void methodsAndPaths(List<Case> cases) {
        for (String path : ALL_PATHS) {
            for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")) {
                byte[] body = method.equals("POST") || method.equals("PUT") ? "{}".getBytes() : new byte[0];
                Transport transport = path.contains("%") || path.contains("..") ? Transport.RAW : Transport.CLIENT;
                cases.add(new Case(
                        "method " + method + " " + abbreviate(path),
                        method,
                        path,
                        json(keyFor(path)),
                        body,
                        transport,
                        false));
            }
        }
        for (String method : List.of("TRACE", "CONNECT", "FOO", "get", "M".repeat(300))) {
            cases.add(new Case(
                    "odd method " + abbreviate(method),
                    method,
                    "/v1/chat/completions",
                    bearer(gateway.appKey()),
                    new byte[0],
                    Transport.RAW,
                    false));
        }
    }

    private static void malformedJson(List<Case> cases) {
        List<String> bodies = List.of(
                "",
                " ",
                "{",
                "}",
                "[",
                "{\"model\":",
                "{\"model\":\"demo\",}",
                "{'model':'demo'}",
                "nul",
                "NaN",
                "{\"model\":\"demo\"}{\"x\":1}",
                "\"just a string\"",
                "123",
                "[]",
                "null",
                "true",
                "{\"model\":\"demo\",\"model\":\"other\"}",
                "{\"model\":\"\\uD800\"}",
                "{\"model\":\"\\x41\"}",
                "\u0000",
                "{\"model\":\"demo\" /* comment */}",
                "\uFEFF{\"model\":\"demo\"}",
                "{\"max_tokens\":1e999999}",
                "{\"model\":\"demo\",\"messages\":[" + "{},".repeat(2000) + "{}]}",
                "{\"" + "k".repeat(100_000) + "\":1}",
                CHAT + ",\"n\":" + "9".repeat(5000) + "}");
        for (String path : POST_PATHS) {
            for (int i = 0; i < bodies.size(); i++) {
                cases.add(clientPost("malformed #" + i + " " + path, path, bodies.get(i)));
            }
        }
    }

    private static void deepNesting(List<Case> cases) {
        List<String> bodies = List.of(
                "[".repeat(100_000),
                "{\"a\":".repeat(50_000),
                "[{\"a\":".repeat(30_000) + "1" + "}]".repeat(30_000),
                CHAT.replace("\"hi\"", "[".repeat(50_000)) + "}",
                CHAT + ",\"tools\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}",
                CHAT + ",\"response_format\":" + "{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000) + "}");
        for (String path : POST_PATHS) {
            for (int i = 0; i < bodies.size(); i++) {
                cases.add(clientPost("deep nesting #" + i + " " + path, path, bodies.get(i)));
            }
        }
    }

    private static void wrongTypes(List<Case> cases, Random random) {
        Map<String, List<String>> templates = new LinkedHashMap<>();
        templates.put(
                "/v1/chat/completions",
                withFields(
                        CHAT,
                        "model",
                        "messages",
                        List.of(
                                "stream",
                                "max_tokens",
                                "max_completion_tokens",
                                "temperature",
                                "top_p",
                                "n",
                                "stop",
                                "tools",
                                "tool_choice",
                                "response_format",
                                "seed",
                                "user",
                                "stream_options",
                                "logprobs",
                                "top_logprobs",
                                "presence_penalty",
                                "frequency_penalty",
                                "logit_bias",
                                "parallel_tool_calls",
                                "metadata",
                                "reasoning_effort",
                                "modalities"),
                        List.of(
                                "{\"model\":\"demo\",\"messages\":[$V]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":$V,\"content\":\"hi\"}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":$V}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[$V]}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":$V}]}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":$V}]}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"name\":$V}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":$V},"
                                        + "{\"role\":\"user\",\"content\":\"hi\"}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[$V]},"
                                        + "{\"role\":\"user\",\"content\":\"hi\"}]}",
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"tool\",\"tool_call_id\":$V,\"content\":\"x\"}]}",
                                CHAT + ",\"tools\":[$V]}",
                                CHAT + ",\"tools\":[{\"type\":\"function\",\"function\":$V}]}",
                                CHAT + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":$V}}]}",
                                CHAT
                                        + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":$V}}]}",
                                CHAT + ",\"tool_choice\":{\"type\":\"function\",\"function\":$V}}",
                                CHAT + ",\"response_format\":{\"type\":$V}}",
                                CHAT + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":$V}}",
                                CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":$V}}",
                                CHAT + ",\"stop\":[$V]}")));
        templates.put(
                "/v1/messages",
                withFields(
                        MESSAGES,
                        "model",
                        "messages",
                        List.of(
                                "max_tokens",
                                "system",
                                "stream",
                                "temperature",
                                "top_p",
                                "top_k",
                                "stop_sequences",
                                "tools",
                                "tool_choice",
                                "metadata",
                                "thinking",
                                "service_tier"),
                        List.of(
                                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[$V]}",
                                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":$V,\"content\":\"hi\"}]}",
                                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":$V}]}",
                                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[$V]}]}",
                                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                                        + "[{\"type\":\"text\",\"text\":$V}]}]}",
                                "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                                        + "[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":$V}]}]}",
                                MESSAGES + ",\"system\":[$V]}",
                                MESSAGES + ",\"tools\":[$V]}",
                                MESSAGES + ",\"tools\":[{\"name\":\"f\",\"input_schema\":$V}]}",
                                MESSAGES + ",\"tool_choice\":{\"type\":$V}}",
                                MESSAGES + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":$V}}")));
        templates.put(
                "/v1/messages/count_tokens",
                withFields(
                        CHAT,
                        "model",
                        "messages",
                        List.of("system", "tools", "tool_choice", "thinking"),
                        List.of(
                                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":$V}]}",
                                CHAT + ",\"system\":[$V]}")));
        templates.put(
                "/v1/embeddings",
                withFields(
                        EMBEDDINGS,
                        "model",
                        "input",
                        List.of("encoding_format", "dimensions", "user"),
                        List.of("{\"model\":\"demo\",\"input\":[$V]}", "{\"model\":\"demo\",\"input\":[\"a\",$V]}")));
        templates.put(
                "/sluice/v1/sessions",
                withFields(
                        "{\"ttl_seconds\":60",
                        null,
                        null,
                        List.of("ttl_seconds", "models", "limits"),
                        List.of("{\"models\":[$V]}", "{\"limits\":{\"rpm\":$V}}", "{\"limits\":{\"tpm\":$V}}")));
        templates.put(
                "/sluice/v1/keys",
                withFields(
                        "{\"name\":\"k\"",
                        null,
                        null,
                        List.of("name", "models", "limits", "allow_ips", "expires_in_days", "role"),
                        List.of("{\"allow_ips\":[$V]}", "{\"limits\":{\"max_concurrent\":$V}}", "{\"models\":[$V]}")));
        templates.forEach((path, list) -> {
            boolean all = path.equals("/v1/chat/completions");
            for (String template : list) {
                for (String value : WRONG_VALUES) {
                    // Every wrong value for every chat field; a seeded half of them for the other endpoints.
                    if (all || random.nextBoolean()) {
                        cases.add(clientPost(
                                "wrong type " + abbreviate(template.replace("$V", abbreviate(value))),
                                path,
                                template.replace("$V", value)));
                    }
                }
            }
        });
    }

    /** Templates with {@code $V} in place of each top-level field, then the nested ones. */
    private static List<String> withFields(
            String base, String first, String second, List<String> optional, List<String> nested) {
        List<String> templates = new ArrayList<>();
        if (first != null) {
            templates.add(base.replaceFirst("\"" + first + "\":\"[^\"]*\"", "\"" + first + "\":\\$V") + "}");
        }
        if (second != null) {
            templates.add(
                    base.replaceFirst("\"" + second + "\":(\\[.*\\]|\"[^\"]*\")", "\"" + second + "\":\\$V") + "}");
        }
        for (String field : optional) {
            templates.add(base + ",\"" + field + "\":$V}");
        }
        templates.addAll(nested);
        return templates;
    }

    private static void invalidUtf8(List<Case> cases, Random random) {
        List<byte[]> sequences = List.of(
                new byte[] {(byte) 0xC3, 0x28},
                new byte[] {(byte) 0xA0, (byte) 0xA1},
                new byte[] {(byte) 0xE2, 0x28, (byte) 0xA1},
                new byte[] {(byte) 0xF0, 0x28, (byte) 0x8C, (byte) 0xBC},
                new byte[] {(byte) 0xFF},
                new byte[] {(byte) 0xC0, (byte) 0xAF},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
        for (String path : POST_PATHS) {
            for (int i = 0; i < sequences.size(); i++) {
                String template = path.startsWith("/sluice") ? "{\"name\":\"$V\"}" : CHAT.replace("hi", "$V") + "}";
                cases.add(rawPost(
                        "invalid UTF-8 #" + i + " in a string " + path, path, splice(template, sequences.get(i))));
                cases.add(rawPost("invalid UTF-8 #" + i + " as the body " + path, path, sequences.get(i)));
            }
            for (int i = 0; i < 5; i++) {
                byte[] noise = new byte[1 + random.nextInt(2000)];
                random.nextBytes(noise);
                cases.add(rawPost("random bytes #" + i + " " + path, path, noise));
            }
        }
        Map<String, String> badAuth = new LinkedHashMap<>(json(null));
        badAuth.put("Authorization", "Bearer \u00ff\u00fe\u0080");
        cases.add(new Case(
                "invalid UTF-8 in Authorization",
                "POST",
                "/v1/chat/completions",
                badAuth,
                (CHAT + "}").getBytes(),
                Transport.RAW,
                false));
        Map<String, String> badTags = new LinkedHashMap<>(json(gateway.appKey()));
        badTags.put("x-sluice-tags", "\u00ff\u00fe=\u0080");
        badTags.put("x-sluice-cache", "\u00ff");
        badTags.put("x-sluice-cache-ttl", "-\u00ff");
        cases.add(new Case(
                "invalid UTF-8 in Sluice headers",
                "POST",
                "/v1/chat/completions",
                badTags,
                (CHAT + "}").getBytes(),
                Transport.RAW,
                false));
        cases.add(verbatim(
                "invalid UTF-8 in the path",
                splice(
                        "GET /v1/models/$V HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        new byte[] {(byte) 0xFF, (byte) 0xC3}),
                false));
    }

    private static void oversizedBodies(List<Case> cases) {
        byte[] over = new byte[(int) MAX_BODY + 1];
        Arrays.fill(over, (byte) ' ');
        for (String path : POST_PATHS) {
            cases.add(new Case(
                    "declared body over the limit " + path,
                    "POST",
                    path,
                    json(keyFor(path)),
                    over,
                    Transport.RAW,
                    true));
            cases.add(new Case(
                    "chunked body over the limit " + path,
                    "POST",
                    path,
                    json(keyFor(path)),
                    over,
                    Transport.RAW_CHUNKED,
                    true));
            Map<String, String> lying = new LinkedHashMap<>(json(keyFor(path)));
            lying.put("Content-Length", "1000000000000");
            cases.add(new Case(
                    "Content-Length of a terabyte " + path, "POST", path, lying, "{}".getBytes(), Transport.RAW, true));
        }
        cases.add(new Case(
                "body over the limit via the client",
                "POST",
                "/v1/chat/completions",
                json(gateway.appKey()),
                over,
                Transport.CLIENT,
                true));
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                + gateway.appKey() + "\r\nContent-Type: application/json\r\n";
        cases.add(verbatim(
                "Content-Length longer than the body, then the client stops sending",
                (head + "Content-Length: 500\r\n\r\n{\"model\":").getBytes(),
                false));
        cases.add(verbatim(
                "malformed chunk size",
                (head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").getBytes(),
                false));
        cases.add(verbatim(
                "chunk size past a long",
                (head + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n").getBytes(),
                false));
        cases.add(verbatim(
                "chunk longer than its data, then the client stops sending",
                (head + "Transfer-Encoding: chunked\r\n\r\n100\r\n{}").getBytes(),
                false));
        cases.add(verbatim(
                "chunk without its CRLF",
                (head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n").getBytes(),
                false));
    }

    private static void headers(List<Case> cases) {
        String key = gateway.appKey();
        String chat = CHAT + "}";
        Map<String, String> huge = new LinkedHashMap<>(json(key));
        huge.put("X-Huge", "h".repeat(ServerLimits.DEFAULTS.maxHeaderBytes() + 10));
        cases.add(new Case(
                "header over the head limit",
                "POST",
                "/v1/chat/completions",
                huge,
                chat.getBytes(),
                Transport.RAW,
                true));
        Map<String, String> large = new LinkedHashMap<>(json(key));
        large.put("X-Large", "h".repeat(ServerLimits.DEFAULTS.maxHeaderBytes() / 2));
        cases.add(new Case(
                "header under the head limit",
                "POST",
                "/v1/chat/completions",
                large,
                chat.getBytes(),
                Transport.RAW,
                false));
        Map<String, String> many = new LinkedHashMap<>(json(key));
        for (int i = 0; i < ServerLimits.DEFAULTS.maxHeaders() + 50; i++) {
            many.put("X-Many-" + i, "v");
        }
        cases.add(new Case(
                "too many headers", "POST", "/v1/chat/completions", many, chat.getBytes(), Transport.RAW, true));
        Map<String, String> hugeKey = new LinkedHashMap<>(json(null));
        hugeKey.put("Authorization", "Bearer " + "k".repeat(20_000));
        cases.add(new Case(
                "20 kB API key", "POST", "/v1/chat/completions", hugeKey, chat.getBytes(), Transport.RAW, false));
        Map<String, String> hugeTags = new LinkedHashMap<>(json(key));
        hugeTags.put("x-sluice-tags", "a=b,".repeat(5000));
        hugeTags.put("x-sluice-cache-ttl", "9".repeat(100));
        cases.add(new Case(
                "huge Sluice headers",
                "POST",
                "/v1/chat/completions",
                hugeTags,
                chat.getBytes(),
                Transport.RAW,
                false));
        cases.add(new Case(
                "path over the head limit",
                "GET",
                "/v1/models/" + "p".repeat(ServerLimits.DEFAULTS.maxHeaderBytes()),
                bearer(key),
                new byte[0],
                Transport.RAW,
                true));
        String start = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
        String auth = "Authorization: Bearer " + key + "\r\n";
        List<String[]> heads = List.of(
                new String[] {"two Authorization headers", auth + "Authorization: Bearer sk-other\r\n"},
                new String[] {"two API key headers", auth + "x-api-key: " + key + "\r\nx-api-key: sk-x\r\n"},
                new String[] {
                    "two Content-Types", auth + "Content-Type: application/json\r\nContent-Type: text/plain\r\n"
                },
                new String[] {"two Content-Lengths", auth + "Content-Length: 5\r\nContent-Length: 6\r\n"},
                new String[] {"Content-Length and chunked", auth + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                },
                new String[] {"Content-Length not a number", auth + "Content-Length: abc\r\n"},
                new String[] {"Content-Length negative", auth + "Content-Length: -5\r\n"},
                new String[] {"Content-Length past a long", auth + "Content-Length: 99999999999999999999\r\n"},
                new String[] {"unknown transfer coding", auth + "Transfer-Encoding: gzip\r\n"},
                new String[] {"header name with a space", auth + "Bad Header: x\r\n"},
                new String[] {"header line without a colon", auth + "NoColonHere\r\n"},
                new String[] {"header value folded", auth + "X-Folded: a\r\n  b\r\n"},
                new String[] {"empty Authorization", "Authorization:\r\n"},
                new String[] {"NUL in a header value", auth + "X-Nul: a\u0000b\r\n"});
        for (String[] h : heads) {
            // Framed by the case's own length headers where it has them, else by the body's length.
            String length = h[1].contains("Content-Length") || h[1].contains("Transfer-Encoding")
                    ? ""
                    : "Content-Length: " + chat.length() + "\r\n";
            cases.add(verbatim(
                    h[0], (start + h[1] + length + "\r\n" + chat).getBytes(StandardCharsets.ISO_8859_1), true));
        }
        List<String[]> lines = List.of(
                new String[] {"garbage request line", "GARBAGE\r\n\r\n"},
                new String[] {"request line without a version", "GET /v1/models\r\n\r\n"},
                new String[] {"unknown HTTP version", "GET /v1/models HTTP/9.9\r\nConnection: close\r\n\r\n"},
                new String[] {"HTTP/1.0", "GET /v1/models HTTP/1.0\r\n\r\n"},
                new String[] {
                    "bad percent-encoding in the path", "GET /v1/models/% HTTP/1.1\r\nConnection: close\r\n\r\n"
                },
                new String[] {"space in the path", "GET /v1/mod els HTTP/1.1\r\nConnection: close\r\n\r\n"},
                new String[] {"absolute URI", "GET http://127.0.0.1/v1/models HTTP/1.1\r\nConnection: close\r\n\r\n"},
                new String[] {"only CRLFs", "\r\n\r\n\r\n"},
                new String[] {"bare LF line ends", "GET /v1/models HTTP/1.1\nConnection: close\n\n"});
        for (String[] l : lines) {
            cases.add(verbatim(l[0], l[1].getBytes(StandardCharsets.ISO_8859_1), true));
        }
    }

    private static void contentTypes(List<Case> cases) {
        List<String> types = List.of(
                "text/plain",
                "application/xml",
                "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded",
                ";",
                "application/json; charset=latin1",
                "application/problem+json",
                "APPLICATION/JSON",
                "*/*",
                "application/" + "j".repeat(300));
        for (String path : POST_PATHS) {
            for (String type : types) {
                Map<String, String> headers = new LinkedHashMap<>(bearer(keyFor(path)));
                headers.put("Content-Type", type);
                cases.add(new Case(
                        "content type " + abbreviate(type) + " " + path,
                        "POST",
                        path,
                        headers,
                        (CHAT + "}").getBytes(),
                        Transport.CLIENT,
                        false));
            }
            cases.add(new Case(
                    "empty Content-Type " + path,
                    "POST",
                    path,
                    Map.of("Authorization", "Bearer " + keyFor(path), "Content-Type", ""),
                    "{}".getBytes(),
                    Transport.RAW,
                    false));
        }
    }

    private static void keys(List<Case> cases) {
        List<Map<String, String>> credentials = List.of(
                Map.of(),
                Map.of("Authorization", "Bearer"),
                Map.of("Authorization", "Bearer "),
                Map.of("Authorization", "Basic dXNlcjpwYXNz"),
                Map.of("Authorization", "Bearer sk-sluice-" + "0".repeat(64)),
                Map.of("x-api-key", "not-a-key"),
                Map.of("Authorization", "Bearer a.b.c"),
                Map.of("Authorization", "Bearer sst_" + "x".repeat(300)));
        List<String> paths = List.of(
                "/v1/chat/completions",
                "/v1/messages",
                "/v1/messages/count_tokens",
                "/v1/embeddings",
                "/v1/models",
                "/v1/models/demo",
                "/sluice/v1/keys",
                "/sluice/v1/sessions",
                "/sluice/v1/usage");
        for (int i = 0; i < credentials.size(); i++) {
            for (String path : paths) {
                boolean post = POST_PATHS.contains(path);
                Map<String, String> headers = new LinkedHashMap<>(credentials.get(i));
                headers.put("Content-Type", "application/json");
                cases.add(new Case(
                        "credentials #" + i + " " + path,
                        post ? "POST" : "GET",
                        path,
                        headers,
                        post ? (CHAT + "}").getBytes() : new byte[0],
                        Transport.CLIENT,
                        false));
            }
        }
        cases.add(new Case(
                "app key on the management API",
                "GET",
                "/sluice/v1/keys",
                bearer(gateway.appKey()),
                new byte[0],
                Transport.CLIENT,
                false));
    }

    private static void queries(List<Case> cases) {
        for (String query : List.of(
                "period=%ZZ",
                "period=%",
                "period=%E0%A4%A",
                "period=abc",
                "period=2026-13",
                "period=" + "9".repeat(3000),
                "&&&=",
                "period=2026-12&period=x",
                "period",
                "=x")) {
            cases.add(new Case(
                    "usage query " + abbreviate(query),
                    "GET",
                    "/sluice/v1/usage?" + query,
                    bearer(gateway.adminKey()),
                    new byte[0],
                    Transport.RAW,
                    false));
        }
        cases.add(new Case(
                "query on a chat request",
                "POST",
                "/v1/chat/completions?%ZZ=%&x",
                json(gateway.appKey()),
                (CHAT + "}").getBytes(),
                Transport.RAW,
                false));
    }

    // ---- building cases ----

    private static String keyFor(String path) {
        return path.startsWith("/sluice/") ? gateway.adminKey() : gateway.appKey();
    }

    private static Map<String, String> bearer(String key) {
        return key == null ? Map.of() : Map.of("Authorization", "Bearer " + key);
    }

    private static Map<String, String> json(String key) {
        Map<String, String> headers = new LinkedHashMap<>(bearer(key));
        headers.put("Content-Type", "application/json");
        return headers;
    }

    private static Case clientPost(String name, String path, String body) {
        return new Case(
                name, "POST", path, json(keyFor(path)), body.getBytes(StandardCharsets.UTF_8), Transport.CLIENT, false);
    }

    private static Case rawPost(String name, String path, byte[] body) {
        return new Case(name, "POST", path, json(keyFor(path)), body, Transport.RAW, false);
    }

    private static Case verbatim(String name, byte[] request, boolean mayCloseWithoutAnswer) {
        return new Case(name, "RAW", "(verbatim)", Map.of(), request, Transport.RAW_VERBATIM, mayCloseWithoutAnswer);
    }

    /** The template's UTF-8 bytes with {@code bytes} in place of {@code $V}. */
    private static byte[] splice(String template, byte[] bytes) {
        int at = template.indexOf("$V");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(template.substring(0, at).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(bytes);
        out.writeBytes(template.substring(at + 2).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 40) + "…(" + text.length() + " chars)" : text;
    }

    // ---- sending ----

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static Answer send(Case c) throws Exception {
        return c.transport() == Transport.CLIENT ? sendWithClient(c) : sendRaw(c);
    }

    private static Answer sendWithClient(Case c) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(c.path()))
                .timeout(READ_TIMEOUT)
                .method(c.method(), HttpRequest.BodyPublishers.ofByteArray(c.body()));
        c.headers().forEach(request::header);
        HttpResponse<byte[]> response;
        try {
            response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return null; // the server closed the connection without an answer
        }
        Map<String, String> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
        return new Answer(response.statusCode(), headers, new String(response.body(), StandardCharsets.UTF_8));
    }

    private static Answer sendRaw(Case c) throws Exception {
        byte[] request = c.transport() == Transport.RAW_VERBATIM ? c.body() : frame(c);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            // Written from another thread: the server may answer (413) and close before reading everything.
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(request);
                    out.flush();
                    socket.shutdownOutput();
                } catch (IOException ignored) {
                    // the server stopped reading: its answer is what counts
                }
            });
            byte[] response = readAll(socket.getInputStream());
            writer.join(READ_TIMEOUT.toMillis());
            return response.length == 0 ? null : parse(response);
        }
    }

    private static byte[] frame(Case c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder()
                .append(c.method())
                .append(' ')
                .append(c.path())
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        c.headers()
                .forEach((name, value) ->
                        head.append(name).append(": ").append(value).append("\r\n"));
        boolean chunked = c.transport() == Transport.RAW_CHUNKED;
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else if (!c.headers().containsKey("Content-Length")) {
            head.append("Content-Length: ").append(c.body().length).append("\r\n");
        }
        out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!chunked) {
            out.writeBytes(c.body());
            return out.toByteArray();
        }
        Random sizes = new Random(c.name().hashCode());
        for (int at = 0; at < c.body().length; ) {
            int size = Math.min(c.body().length - at, 1 + sizes.nextInt(64 * 1024));
            out.writeBytes((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(c.body(), at, size);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            at += size;
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Everything the server sends until it closes (every request asks it to), or a reset once it has answered. */
    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0 && response.size() < 4 * 1024 * 1024; ) {
                response.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after an early answer (the unread rest of a large body): keep what arrived
        }
        return response.toByteArray();
    }

    private static Answer parse(byte[] response) {
        String text = new String(response, StandardCharsets.UTF_8);
        int headEnd = text.indexOf("\r\n\r\n");
        String head = headEnd < 0 ? text : text.substring(0, headEnd);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(
                        lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
        }
        String body = headEnd < 0 ? "" : text.substring(headEnd + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body);
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size;
            try {
                size = Integer.parseInt(chunked.substring(at, lineEnd).strip(), 16);
            } catch (NumberFormatException e) {
                return chunked; // sizes count bytes, not chars: past a multi-byte char, keep the rest as it is
            }
            if (size == 0) {
                break;
            }
            int end = Math.min(chunked.length(), lineEnd + 2 + size);
            body.append(chunked, lineEnd + 2, end);
            at = end + 2;
        }
        return body.toString();
    }
}
