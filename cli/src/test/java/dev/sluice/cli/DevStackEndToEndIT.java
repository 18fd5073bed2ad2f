package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.Tenant;
import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.json.Json;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.RequiresNode;
import dev.sluice.testing.StreamHold;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dev stack end to end with a real HTTP client: DynamoDB Local, the router, an OpenAI-compatible route to the
 * fake upstream, the in-process usage stream and the real aggregator, and gatewayctl reading the usage table.
 */
class DevStackEndToEndIT {
    private static final Pricing PRICING = new Pricing(2_000_000, 8_000_000, 500_000);
    private static FakeUpstream upstream;
    private static DevStack stack;
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start();
        DevOptions options = new DevOptions(
                "127.0.0.1",
                0,
                0,
                Duration.ZERO,
                Duration.ofMillis(100),
                Map.of("SLUICE_SECRET_FAKE", "sk-upstream-e2e"));
        stack = DevStack.start(options);
        stack.routes()
                .put(new Route(
                        "fake-gpt",
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                "gpt-upstream-1",
                                upstream.baseUrl().toString(),
                                "fake",
                                PRICING,
                                Duration.ofSeconds(10)))));
    }

    @AfterAll
    static void stop() {
        stack.close();
        upstream.close();
    }

    @BeforeEach
    void resetUpstream() {
        upstream.reset();
    }

    private static HttpRequest chat(String key, String body) {
        return HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static UsageTotals awaitUsage(String tenant, String alias, long requests) throws InterruptedException {
        DynamoDbUsageStore usage =
                new DynamoDbUsageStore(stack.dynamo(), stack.tables().usage());
        Instant deadline = Instant.now().plusSeconds(15);
        UsageTotals totals = UsageTotals.ZERO;
        while (Instant.now().isBefore(deadline)) {
            totals = usage.query(tenant, "day#").stream()
                    .filter(row -> row.alias().equals(alias))
                    .map(UsageRow::totals)
                    .reduce(UsageTotals.ZERO, UsageTotals::plus);
            if (totals.requests() >= requests) {
                return totals;
            }
            Thread.sleep(50);
        }
        return totals;
    }

    @Test
    void stream_firstChunkArrivesBeforeTheUpstreamFinishes_andUsageRowEqualsUpstreamReport() throws Exception {
        upstream.streamContent("Sluice ", "streams ", "token ", "by ", "token.");
        upstream.reportUsage(37, 5);
        StreamHold hold = upstream.holdAfterFirstContent();

        HttpResponse<InputStream> response =
                CLIENT.send(chat(stack.demoKey(), """
                {"model":"fake-gpt","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"stream please"}]}"""), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));

        String first = lines.readLine();
        assertThat(lines.readLine()).isEmpty();
        String second = lines.readLine();
        // The upstream is still held after its first content chunk: what we just read cannot have been buffered.
        assertThat(hold.isHeld()).isTrue();
        assertThat(Json.read(second.substring(6)).at("/choices/0/delta/content").asText())
                .isEqualTo("Sluice ");
        assertThat(first).startsWith("data: ");
        assertThat(Json.read(first.substring(6)).at("/choices/0/delta/role").asText())
                .isEqualTo("assistant");
        hold.release();

        List<JsonNode> chunks = new ArrayList<>();
        chunks.add(Json.read(first.substring(6)));
        chunks.add(Json.read(second.substring(6)));
        boolean done = false;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.equals("data: [DONE]")) {
                done = true;
            } else if (line.startsWith("data: ")) {
                chunks.add(Json.read(line.substring(6)));
            }
        }
        assertThat(done).isTrue();
        StringBuilder text = new StringBuilder();
        chunks.forEach(chunk -> text.append(chunk.at("/choices/0/delta/content").asText("")));
        assertThat(text.toString()).isEqualTo("Sluice streams token by token.");
        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.at("/usage/prompt_tokens").asLong()).isEqualTo(37);
        assertThat(usageChunk.at("/usage/completion_tokens").asLong()).isEqualTo(5);

        assertThat(upstream.lastRequest().header("Authorization")).hasValue("Bearer sk-upstream-e2e");
        UsageTotals totals = awaitUsage(DevStack.DEMO_TENANT, "fake-gpt", 1);
        assertThat(totals.requests()).isEqualTo(1);
        assertThat(totals.promptTokens()).isEqualTo(37);
        assertThat(totals.completionTokens()).isEqualTo(5);
        assertThat(totals.costMicros()).isEqualTo(PRICING.costMicros(37, 0, 5));
    }

    @Test
    void anthropicMessages_streamThroughAnOpenAiProvider_asAnthropicEvents() throws Exception {
        upstream.streamContent("Bonjour", " from", " an OpenAI", " upstream.");
        upstream.reportUsage(21, 4);

        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/messages"))
                        .header("x-api-key", stack.demoKey())
                        .header("anthropic-version", "2023-06-01")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"fake-gpt","max_tokens":100,"stream":true,"system":"Be brief.",
                         "messages":[{"role":"user","content":[{"type":"text","text":"Say hello"}]}]}"""))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        List<String> eventTypes = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        JsonNode messageDelta = null;
        for (String frame : response.body().split("\n\n")) {
            String[] lines = frame.split("\n", 2);
            assertThat(lines[0]).startsWith("event: ");
            JsonNode data = Json.read(lines[1].substring("data: ".length()));
            eventTypes.add(data.path("type").asText());
            if (data.at("/delta/type").asText().equals("text_delta")) {
                text.append(data.at("/delta/text").asText());
            }
            if (data.path("type").asText().equals("message_delta")) {
                messageDelta = data;
            }
        }
        assertThat(eventTypes.getFirst()).isEqualTo("message_start");
        assertThat(eventTypes)
                .containsSubsequence(
                        "content_block_start",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop");
        assertThat(eventTypes.getLast()).isEqualTo("message_stop");
        assertThat(text.toString()).isEqualTo("Bonjour from an OpenAI upstream.");
        assertThat(messageDelta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(messageDelta.at("/usage/output_tokens").asLong()).isEqualTo(4);

        JsonNode sent = upstream.lastRequest().json();
        assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(100);
        UsageTotals totals = awaitUsage(DevStack.DEMO_TENANT, "fake-gpt", 1);
        assertThat(totals.promptTokens()).isGreaterThanOrEqualTo(21);
    }

    @Test
    void demoModel_answersMessagesAndEmbeddingsWithoutAnyProviderKey() throws Exception {
        HttpResponse<String> message = CLIENT.send(
                HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/messages"))
                        .header("Authorization", "Bearer " + stack.demoKey())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"demo","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"""))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(message.statusCode()).isEqualTo(200);
        JsonNode body = Json.read(message.body());
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.at("/content/0/text").asText()).startsWith("Hello from the Sluice demo model.");
        assertThat(body.at("/usage/output_tokens").asLong()).isPositive();

        HttpResponse<String> embeddings = CLIENT.send(
                HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/embeddings"))
                        .header("Authorization", "Bearer " + stack.demoKey())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"input\":[\"a\",\"b\"]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(embeddings.statusCode()).isEqualTo(200);
        assertThat(Json.read(embeddings.body()).path("data")).hasSize(2);
    }

    @Test
    @RequiresNode
    void officialOpenAiAndAnthropicSdks_workAgainstTheGateway() throws Exception {
        upstream.streamContent("Streamed", " through", " Sluice.");
        upstream.reportUsage(11, 3);

        new DynamoDbTenantRepository(stack.dynamo(), stack.tables().tenants())
                .put(new Tenant("broke", "Broke", Tenant.Status.ACTIVE, Set.of(), new Limits(0, 0, 0, 1, 0)));
        String brokeKey = DevStack.createKey(stack.keys(), "broke", "broke", Limits.NONE);
        OfficialSdks.Result run = OfficialSdks.check(Map.of(
                "SLUICE_BASE",
                stack.routerUrl().toString(),
                "SLUICE_KEY",
                stack.demoKey(),
                "SLUICE_BROKE_KEY",
                brokeKey,
                "SLUICE_UPSTREAM_MODEL",
                "fake-gpt"));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode results = Json.read(run.stdout());

        assertThat(results.at("/openaiStream/text").asText()).isEqualTo("Streamed through Sluice.");
        assertThat(results.at("/openaiStream/usage/prompt_tokens").asInt()).isEqualTo(11);
        assertThat(results.at("/openaiStream/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(results.at("/openaiComplete/text").asText()).startsWith("Hello from the Sluice demo model.");
        assertThat(results.at("/openaiComplete/finish").asText()).isEqualTo("stop");
        assertThat(results.at("/openaiEmbeddings/count").asInt()).isEqualTo(2);
        assertThat(results.at("/openaiEmbeddings/dims").asInt()).isEqualTo(16);
        assertThat(results.at("/openaiEmbeddings/first").floatValue())
                .isEqualTo(results.at("/openaiEmbeddingsFloatFirst").floatValue());
        assertThat(results.at("/openaiModels")).extracting(JsonNode::asText).contains("demo", "fake-gpt");
        assertThat(results.at("/openaiAuthError/status").asInt()).isEqualTo(401);
        assertThat(results.at("/openaiAuthError/code").asText()).isEqualTo("invalid_api_key");
        assertThat(results.at("/openaiAuthError/name").asText()).isEqualTo("AuthenticationError");
        assertThat(results.at("/openaiBudgetError/status").asInt()).isEqualTo(429);
        assertThat(results.at("/openaiBudgetError/name").asText()).isEqualTo("RateLimitError");
        assertThat(results.at("/openaiBudgetError/code").asText()).isEqualTo("budget_exceeded");
        assertThat(results.at("/openaiBudgetError/type").asText()).isEqualTo("insufficient_quota");
        assertThat(results.at("/openaiBudgetError/millis").asLong())
                .as("raised at once: no retry of a spent budget")
                .isLessThan(400);

        assertThat(results.at("/anthropicStream/text").asText()).isEqualTo("Streamed through Sluice.");
        assertThat(results.at("/anthropicStream/stop").asText()).isEqualTo("end_turn");
        assertThat(results.at("/anthropicStream/usage/output_tokens").asInt()).isEqualTo(3);
        assertThat(results.at("/anthropicComplete/text").asText()).startsWith("Hello from the Sluice demo model.");
        assertThat(results.at("/anthropicComplete/stop").asText()).isEqualTo("end_turn");
        assertThat(results.at("/anthropicAuthError/status").asInt()).isEqualTo(401);
        assertThat(results.at("/anthropicAuthError/type").asText()).isEqualTo("authentication_error");
        assertThat(results.at("/anthropicAuthError/name").asText()).isEqualTo("AuthenticationError");
        assertThat(results.at("/anthropicModels")).extracting(JsonNode::asText).contains("demo", "fake-gpt");

        assertThat(results.at("/openaiCachedFirst/cache").asText()).isEqualTo("miss");
        assertThat(results.at("/openaiCachedSecond/cache").asText()).isEqualTo("hit");
        assertThat(results.at("/openaiCachedSecond/text").asText())
                .isEqualTo(results.at("/openaiCachedFirst/text").asText())
                .isEqualTo("Streamed through Sluice.");
        assertThat(results.at("/openaiCachedSecond/usage")).isEqualTo(results.at("/openaiCachedFirst/usage"));
        assertThat(results.at("/anthropicCachedFirst/cache").asText()).isEqualTo("miss");
        assertThat(results.at("/anthropicCachedSecond/cache").asText()).isEqualTo("hit");
        assertThat(results.at("/anthropicCachedSecond/text").asText()).isEqualTo("Streamed through Sluice.");
        assertThat(results.at("/anthropicCachedSecond/stop").asText()).isEqualTo("end_turn");
    }

    @Test
    void demoModel_answersWithoutAnyProviderKey() throws Exception {
        HttpResponse<String> response = CLIENT.send(chat(stack.demoKey(), """
                {"model":"demo","messages":[{"role":"user","content":"hi"}]}"""), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.read(response.body()).at("/choices/0/message/content").asText())
                .startsWith("Hello from the Sluice demo model.");
    }

    @Test
    void metrics_countTheRequestsServed_inThePrometheusFormat() throws Exception {
        CLIENT.send(chat(stack.demoKey(), """
                {"model":"demo","temperature":0,"messages":[{"role":"user","content":"measure me"}]}"""), HttpResponse.BodyHandlers.ofString());

        HttpResponse<String> scrape = CLIENT.send(
                HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/metrics"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(scrape.body())
                .contains("# TYPE sluice_requests_total counter")
                .containsPattern("sluice_requests_total\\{tenant=\"" + DevStack.DEMO_TENANT
                        + "\",alias=\"demo\",provider=\"[a-z]+\",status=\"ok\"} [1-9]")
                .containsPattern("sluice_request_duration_seconds_count\\{alias=\"demo\"} [1-9]")
                .containsPattern("sluice_cache_requests_total\\{alias=\"demo\",result=\"(miss|hit)\"} [1-9]")
                .contains("sluice_breakers_open 0");
        HttpResponse<String> post = CLIENT.send(
                HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/metrics"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void limitedKey_overItsRpm_gets429WithRetryAfter() throws Exception {
        String body = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        // Up to two windows' worth: a minute boundary between requests restarts the count at most once.
        for (int i = 0; i <= 2 * DevStack.LIMITED_KEY_RPM && !statuses.contains(429); i++) {
            last = CLIENT.send(chat(stack.limitedKey(), body), HttpResponse.BodyHandlers.ofString());
            statuses.add(last.statusCode());
        }

        assertThat(statuses).containsOnly(200, 429).endsWith(429);
        assertThat(statuses.indexOf(429)).isGreaterThanOrEqualTo((int) DevStack.LIMITED_KEY_RPM);
        assertThat(last.headers().firstValue("Retry-After")).isPresent();
        assertThat(Json.read(last.body()).at("/error/type").asText()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void upstreamRateLimit_passesThroughWithRetryAfter_andIsCountedAsAnError() throws Exception {
        upstream.failWith(
                429, FakeUpstream.openAiError("Slow down", "requests", "rate_limit_exceeded"), Duration.ofSeconds(9));

        HttpResponse<String> response = CLIENT.send(chat(stack.demoKey(), """
                {"model":"fake-gpt","stream":true,"messages":[{"role":"user","content":"x"}]}"""), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("9");
        assertThat(response.body()).doesNotContain("sk-upstream-e2e");
    }

    @Test
    void gatewayctlUsage_printsTheAggregatedRows() throws Exception {
        CLIENT.send(chat(stack.demoKey(), """
                {"model":"demo","messages":[{"role":"user","content":"count me"}]}"""), HttpResponse.BodyHandlers.ofString());
        awaitUsage(DevStack.DEMO_TENANT, "demo", 1);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status = new GatewayCtl(
                        Map.of(
                                "SLUICE_DYNAMODB_ENDPOINT",
                                stack.dynamoDbEndpoint().toString(),
                                "SLUICE_AWS_EMULATOR",
                                "true"),
                        new PrintStream(printed, true, StandardCharsets.UTF_8))
                .run(new String[] {"usage", "--tenant", DevStack.DEMO_TENANT, "--csv"});

        assertThat(status).isZero();
        String csv = printed.toString(StandardCharsets.UTF_8);
        assertThat(csv.lines().findFirst())
                .hasValueSatisfying(header -> assertThat(header).startsWith("tenant,day"));
        assertThat(csv).contains(",demo,key_");
    }
}
