package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeUpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM_WITH_USAGE = """
      {"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},
       "messages":[{"role":"user","content":"Hi"}]}""";
    private static final String STREAM = """
      {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}""";

    private static FakeUpstream upstream;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        upstream = FakeUpstream.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        http.close();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    @Test
    void stream_withIncludeUsage_sendsRoleContentStopUsageThenDone() throws Exception {
        HttpResponse<Stream<String>> response = post(STREAM_WITH_USAGE, HttpResponse.BodyHandlers.ofLines());
        List<String> lines = response.body().filter(l -> !l.isEmpty()).toList();
        List<JsonNode> chunks = dataChunks(lines);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        assertThat(lines).last().isEqualTo("data: [DONE]");
        assertThat(chunks).hasSize(1 + FakeUpstream.DEFAULT_CONTENT.size() + 2);
        JsonNode first = chunks.get(0);
        assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(first.at("/choices/0/delta/content").asText()).isEmpty();
        assertThat(content(chunks)).isEqualTo("Hello! How can I help you today?");
        JsonNode stop = chunks.get(chunks.size() - 2);
        assertThat(stop.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(stop.at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.get("usage").isNull()).isTrue());
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").toString())
                .isEqualTo("{\"prompt_tokens\":19,\"completion_tokens\":9,\"total_tokens\":28}");
        assertThat(chunks)
                .extracting(c -> c.path("id").asText())
                .containsOnly(first.path("id").asText());
    }

    @Test
    void stream_withIncludeUsage_matchesDocumentedTranscript() throws Exception {
        List<JsonNode> expected;
        try (InputStream in = FakeUpstream.class.getResourceAsStream("/transcripts/openai-chat-stream.txt")) {
            expected = dataChunks(new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList());
        }

        List<JsonNode> actual = dataChunks(post(STREAM_WITH_USAGE, HttpResponse.BodyHandlers.ofLines())
                .body()
                .toList());

        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(fieldNames(actual.get(i))).as("fields of chunk %d", i).isEqualTo(fieldNames(expected.get(i)));
            assertThat(actual.get(i).path("choices").toString())
                    .isEqualTo(expected.get(i).path("choices").toString());
        }
        JsonNode expectedUsage = expected.get(expected.size() - 1).path("usage");
        JsonNode actualUsage = actual.get(actual.size() - 1).path("usage");
        for (String field : List.of("prompt_tokens", "completion_tokens", "total_tokens")) {
            assertThat(actualUsage.path(field)).isEqualTo(expectedUsage.path(field));
        }
    }

    @Test
    void stream_withoutIncludeUsage_hasNoUsageAnywhere() throws Exception {
        upstream.streamContent("a", "b");

        List<JsonNode> chunks = dataChunks(
                post(STREAM, HttpResponse.BodyHandlers.ofLines()).body().toList());

        assertThat(chunks).hasSize(4).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
        assertThat(content(chunks)).isEqualTo("ab");
    }

    @Test
    void stream_withChunkDelay_deliversEachChunkAsItIsSent() throws Exception {
        upstream.streamContent("one", "two", "three");
        upstream.delayBetweenChunks(Duration.ofMillis(150));

        List<Long> arrivals = new ArrayList<>();
        List<String> contents = new ArrayList<>();
        long start = System.nanoTime();
        try (Stream<String> lines =
                post(STREAM, HttpResponse.BodyHandlers.ofLines()).body()) {
            lines.filter(l -> l.startsWith("data: {")).forEach(l -> {
                arrivals.add((System.nanoTime() - start) / 1_000_000);
                contents.add(parse(l).at("/choices/0/delta/content").asText());
            });
        }

        assertThat(contents).containsExactly("", "one", "two", "three", "");
        // Four delays of 150 ms separate five chunks; buffering would make them arrive together at the end.
        assertThat(arrivals.get(4) - arrivals.get(0)).isGreaterThanOrEqualTo(550);
        assertThat(arrivals.get(1) - arrivals.get(0)).isGreaterThanOrEqualTo(100);
    }

    @Test
    void nonStream_returnsChatCompletionWithScriptedUsage() throws Exception {
        upstream.streamContent("Hi", " there");
        upstream.reportUsage(7, 3);

        HttpResponse<String> response =
                post("{\"model\":\"gpt-4.1\",\"messages\":[]}", HttpResponse.BodyHandlers.ofString());
        JsonNode completion = JSON.readTree(response.body());

        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.path("model").asText()).isEqualTo("gpt-4.1");
        assertThat(completion.at("/choices/0/message/content").asText()).isEqualTo("Hi there");
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(completion.at("/usage/total_tokens").asInt()).isEqualTo(10);
    }

    @Test
    void failWith_answersErrorWithRetryAfterOnEveryRequest() throws Exception {
        String error = FakeUpstream.openAiError("Rate limit reached", "requests", "rate_limit_exceeded");
        upstream.failWith(429, error, Duration.ofMillis(1500));

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = post(STREAM, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.headers().firstValue("retry-after")).hasValue("2");
            assertThat(JSON.readTree(response.body()).at("/error/code").asText())
                    .isEqualTo("rate_limit_exceeded");
        }
    }

    @Test
    void failNext_failsOnlyTheNextRequests() throws Exception {
        upstream.failNext(1, 503, FakeUpstream.openAiError("overloaded", "server_error", null), null);

        HttpResponse<String> failed = post(STREAM, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> succeeded = post(STREAM, HttpResponse.BodyHandlers.ofString());

        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.headers().firstValue("retry-after")).isEmpty();
        assertThat(succeeded.statusCode()).isEqualTo(200);
    }

    @Test
    void cutAfterChunks_dropsConnectionMidStream() throws Exception {
        upstream.cutAfterChunks(2);

        assertThatThrownBy(() -> post(STREAM, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        String raw = rawExchange(STREAM);
        assertThat(raw).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
        assertThat(raw.split("data: \\{", -1)).hasSize(3); // exactly two frames
        assertThat(raw).doesNotContain("[DONE]").doesNotEndWith("0\r\n\r\n");
    }

    @Test
    void stream_whenNotCut_endsWithTerminatingChunk() throws Exception {
        assertThat(rawExchange(STREAM)).contains("data: [DONE]").endsWith("\r\n0\r\n\r\n");
    }

    @Test
    void cutAfterChunks_onNonStreamedAnswer_truncatesBody() {
        upstream.cutAfterChunks(0);

        assertThatThrownBy(() -> post("{\"model\":\"m\"}", HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void holdAfterFirstChunk_clientSeesFirstChunkBeforeUpstreamFinishes() throws Exception {
        StreamHold hold = upstream.holdAfterFirstChunk();

        HttpResponse<InputStream> response = post(STREAM, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String firstFrame = reader.readLine();

            assertThat(hold.isHeld()).isTrue(); // no wait needed: held is set before chunk 1 leaves
            assertThat(hold.awaitHeld(Duration.ofSeconds(5))).isTrue();
            assertThat(reader.readLine()).isEmpty(); // the blank line ending frame 1
            assertThat(reader.ready()).as("nothing after chunk 1 until release").isFalse();
            assertThat(parse(firstFrame).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
            hold.release();
            List<String> rest = reader.lines().filter(l -> !l.isEmpty()).toList();
            assertThat(rest).last().isEqualTo("data: [DONE]");
            assertThat(rest).hasSize(FakeUpstream.DEFAULT_CONTENT.size() + 2);
        }
    }

    @Test
    void requests_areRecordedWithHeadersAndBody() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions?trace=1"))
                .header("Authorization", "Bearer sk-upstream")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM))
                .build();
        http.send(request, HttpResponse.BodyHandlers.ofString());

        RecordedRequest recorded = upstream.lastRequest();
        assertThat(recorded.method()).isEqualTo("POST");
        assertThat(recorded.path()).isEqualTo("/v1/chat/completions?trace=1");
        assertThat(recorded.header("authorization")).hasValue("Bearer sk-upstream");
        assertThat(recorded.json().path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(recorded.toString()).doesNotContain("sk-upstream");
        assertThat(upstream.requests()).hasSize(1);

        upstream.reset();
        assertThat(upstream.requests()).isEmpty();
        assertThat(upstream.requestCount()).isZero();
    }

    @Test
    void unknownPath_answers404InOpenAiErrorShape() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();

        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void baseUrl_isLoopbackWithV1() {
        assertThat(upstream.baseUrl().toString()).matches("http://127\\.0\\.0\\.1:\\d+/v1");
    }

    private static <T> HttpResponse<T> post(String body, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, handler);
    }

    /** The whole HTTP/1.1 response, bytes as sent, read until the server closes the connection. */
    private static String rawExchange(String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket =
                new Socket(upstream.baseUrl().getHost(), upstream.baseUrl().getPort())) {
            socket.setSoTimeout(10_000);
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Connection: close\r\nContent-Length: " + bytes.length + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<JsonNode> dataChunks(List<String> lines) {
        return lines.stream()
                .filter(l -> l.startsWith("data: {"))
                .map(FakeUpstreamTest::parse)
                .toList();
    }

    private static JsonNode parse(String dataLine) {
        try {
            return JSON.readTree(dataLine.substring("data: ".length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String content(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
        return text.toString();
    }
}
