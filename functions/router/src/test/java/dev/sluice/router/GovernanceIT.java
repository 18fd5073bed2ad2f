package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Tenant;
import dev.sluice.json.Json;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.store.Attributes;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.StreamHold;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.DynamoDbUsageStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Governance end to end: 300 concurrent streamed requests of random sizes through two routers (two "instances") that
 * share one set of DynamoDB Local tables, against a tenant's daily budget and concurrency limit and its key's
 * tokens-per-minute limit. Whatever the interleaving: settled spend stays within the budget, tokens within the TPM,
 * in-flight streams within the concurrency limit at every instant, and every admitted request is billed exactly once.
 */
class GovernanceIT {
    private static final long BUDGET_MICROS = 5_000;
    private static final long TOKENS_PER_MINUTE = 30_000;
    private static final int MAX_CONCURRENT = 8;
    private static final int REQUESTS = 300;
    /** $1 per 1M prompt tokens, $10 per 1M output tokens: 1 and 10 micro-USD per token. */
    private static final Pricing PRICING = new Pricing(1_000_000, 10_000_000, 0);
    /** One fixed instant for both routers (at the real present, as DynamoDB Local's TTL needs): one minute window. */
    private static final Clock CLOCK =
            Clock.fixed(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(1), ZoneOffset.UTC);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static FakeUpstream upstream;
    /** Holds its streams after the first chunk, so a test decides how many are in flight. */
    private static FakeUpstream heldUpstream;

    private static String concurrencyKey;
    private static DynamoDbClient dynamo;
    private static TableNames tables;
    private static final List<RouterServer> routers = new ArrayList<>();
    private static final List<InMemoryUsagePublisher> usage = new ArrayList<>();
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start();
        upstream.streamContent(IntStream.range(0, 60).mapToObj(i -> " w" + i).toList());
        upstream.obeyMaxTokens();
        upstream.delayBetweenChunks(Duration.ofMillis(1));
        dynamo = LocalDynamoDb.shared().newClient();
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("governance") + "-");
        SluiceTables.createAll(dynamo, tables);
        new DynamoDbTenantRepository(dynamo, tables.tenants())
                .put(new Tenant(
                        "gov",
                        "Governed",
                        Tenant.Status.ACTIVE,
                        Set.of(),
                        new Limits(0, 0, MAX_CONCURRENT, BUDGET_MICROS, 0)));
        key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        new DynamoDbKeyRepository(dynamo, tables.keys())
                .put(
                        hash,
                        ApiKey.app(
                                ApiKeys.keyIdFor(hash),
                                "gov",
                                "app",
                                Set.of(),
                                new Limits(0, TOKENS_PER_MINUTE, 0, 0, 0)));
        new DynamoDbRouteRepository(dynamo, tables.routes())
                .put(new Route(
                        "metered",
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                "gpt-metered",
                                upstream.baseUrl().toString(),
                                "upstream",
                                PRICING,
                                null))));
        heldUpstream = FakeUpstream.start();
        new DynamoDbTenantRepository(dynamo, tables.tenants())
                .put(new Tenant("conc", "Concurrent", Tenant.Status.ACTIVE, Set.of(), new Limits(0, 0, 3, 0, 0)));
        concurrencyKey = ApiKeys.newKey();
        String concurrencyHash = ApiKeys.sha256Hex(concurrencyKey);
        new DynamoDbKeyRepository(dynamo, tables.keys())
                .put(
                        concurrencyHash,
                        ApiKey.app(ApiKeys.keyIdFor(concurrencyHash), "conc", "app", Set.of(), Limits.NONE));
        new DynamoDbRouteRepository(dynamo, tables.routes())
                .put(new Route(
                        "held",
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                "gpt-held",
                                heldUpstream.baseUrl().toString(),
                                "upstream",
                                PRICING,
                                null))));
        for (int instance = 0; instance < 2; instance++) {
            InMemoryUsagePublisher published = new InMemoryUsagePublisher();
            usage.add(published);
            routers.add(RouterServer.start(
                    "127.0.0.1",
                    0,
                    GatewayWiring.pipeline(
                            new DynamoDbKeyRepository(dynamo, tables.keys()),
                            new DynamoDbTenantRepository(dynamo, tables.tenants()),
                            new DynamoDbRouteRepository(dynamo, tables.routes()),
                            new DynamoDbQuotaLedger(dynamo, tables.counters()),
                            new DynamoDbUsageStore(dynamo, tables.usage()),
                            new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-upstream")),
                            published,
                            GatewayWiring.providers(Duration.ofSeconds(5), Duration.ZERO, "us-east-1", CLOCK),
                            Duration.ofSeconds(30),
                            Duration.ofSeconds(30),
                            CLOCK),
                    1024 * 1024));
        }
    }

    @AfterAll
    static void stop() {
        routers.forEach(RouterServer::close);
        upstream.close();
        heldUpstream.close();
        dynamo.close();
    }

    @Test
    void concurrentStreamsOfRandomSizes_neverOvershootBudgetTokensOrConcurrency_andAreBilledOnce() throws Exception {
        Random random = new Random(42);
        ExecutorService clients = Executors.newFixedThreadPool(48);
        List<Future<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            RouterServer router = routers.get(i % routers.size());
            int maxTokens = random.nextInt(5) == 0 ? -1 : random.nextInt(60) + 5;
            String body = chat(i, random.nextInt(400) + 10, maxTokens);
            responses.add(clients.submit(() -> post(router, body)));
        }
        Map<String, Integer> statuses = new HashMap<>();
        List<String> admitted = new ArrayList<>();
        for (Future<HttpResponse<String>> future : responses) {
            HttpResponse<String> response = future.get(2, TimeUnit.MINUTES);
            String outcome = response.statusCode() == 200
                    ? "200"
                    : response.statusCode() + " "
                            + json(response.body()).path("error").path("code").asText();
            statuses.merge(outcome, 1, Integer::sum);
            if (outcome.equals("429 budget_exceeded")) {
                assertThat(json(response.body()).path("error").path("type").asText())
                        .isEqualTo("insufficient_quota");
                assertThat(response.headers().firstValue("x-should-retry")).contains("false");
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
            }
            if (response.statusCode() == 200) {
                assertThat(response.body()).endsWith("data: [DONE]\n\n");
                admitted.add(response.headers().firstValue("x-request-id").orElseThrow());
            }
        }
        clients.shutdown();

        List<UsageEvent> events = usage.stream()
                .flatMap(published -> published.events().stream())
                .filter(event -> event.tenantId().equals("gov"))
                .toList();
        long spent = events.stream().mapToLong(UsageEvent::costMicros).sum();
        long tokens = events.stream()
                .mapToLong(e -> e.promptTokens() + e.completionTokens())
                .sum();
        assertThat(statuses.keySet())
                .as("only admitted streams and 429s: %s", statuses)
                .allMatch(status -> status.equals("200") || status.startsWith("429 "));
        assertThat(statuses).as("the budget bit").containsKeys("200", "429 budget_exceeded");
        assertThat(spent).as("settled spend").isPositive().isLessThanOrEqualTo(BUDGET_MICROS);
        assertThat(tokens).as("tokens this minute").isLessThanOrEqualTo(TOKENS_PER_MINUTE);
        assertThat(upstream.peakConcurrentResponses()).as("streams in flight").isLessThanOrEqualTo(MAX_CONCURRENT);
        assertThat(events).extracting(UsageEvent::requestId).containsExactlyInAnyOrderElementsOf(admitted);
        assertThat(events).allMatch(e -> "app".equals(e.keyLevel()));

        Map<String, AttributeValue> tenant = counter("tenant#gov");
        assertThat(Long.parseLong(tenant.get("dc").n()))
                .as("the counter settled to the events")
                .isEqualTo(spent);
        assertThat(tenant.get("ct").n()).as("every slot released").isEqualTo("0");
    }

    @Test
    void aBudgetThatAffordsLessOutputThanAsked_lowersTheMaxTokensTheUpstreamReceives() throws Exception {
        String body = chat(900, 10, 60);
        long bodyBytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        // the prompt's bound (its bytes) at 1 micro-USD a token, and 20 output tokens at 10
        new DynamoDbTenantRepository(dynamo, tables.tenants())
                .put(new Tenant(
                        "clamp", "Clamp", Tenant.Status.ACTIVE, Set.of(), new Limits(0, 0, 0, bodyBytes + 200, 0)));
        String clampKey = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(clampKey);
        new DynamoDbKeyRepository(dynamo, tables.keys())
                .put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), "clamp", "app", Set.of(), Limits.NONE));

        assertThat(post(routers.get(0), clampKey, body).statusCode()).isEqualTo(200);

        RecordedRequest sent = upstream.requests().stream()
                .filter(request -> request.body().contains("r900 "))
                .findFirst()
                .orElseThrow();
        assertThat(json(sent.body()).path("max_tokens").asInt()).isEqualTo(20);
    }

    @Test
    void concurrencyLimit_acrossBothInstances_refusesTheFourthStream_untilOneEnds() throws Exception {
        StreamHold hold = heldUpstream.holdAfterFirstChunk();
        String body = "{\"model\":\"held\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RouterServer router = routers.get(i % routers.size());
            held.add(clients.submit(() -> post(router, concurrencyKey, body)));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (heldUpstream.requestCount() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(heldUpstream.requestCount()).isEqualTo(3);

        HttpResponse<String> fourth = post(routers.get(1), concurrencyKey, body);
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(json(fourth.body()).path("error").path("code").asText()).isEqualTo("concurrency_limit_exceeded");
        assertThat(fourth.headers().firstValue("Retry-After")).contains("1");

        hold.release();
        for (Future<HttpResponse<String>> response : held) {
            assertThat(response.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        clients.shutdown();
        assertThat(post(routers.get(0), concurrencyKey, body).statusCode()).isEqualTo(200);
        assertThat(counter("tenant#conc").get("ct").n()).isEqualTo("0");
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String chat(int index, int promptChars, int maxTokens) {
        String prompt = "r" + index + " " + "x".repeat(promptChars);
        String max = maxTokens < 0 ? "" : ",\"max_tokens\":" + maxTokens;
        return "{\"model\":\"metered\",\"stream\":true" + max + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}";
    }

    private static HttpResponse<String> post(RouterServer router, String body) throws Exception {
        return post(router, key, body);
    }

    private static HttpResponse<String> post(RouterServer router, String apiKey, String body) throws Exception {
        return CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + apiKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, AttributeValue> counter(String scope) {
        return dynamo.getItem(r -> r.tableName(tables.counters())
                        .key(Map.of(SluiceTables.COUNTER, Attributes.s(scope)))
                        .consistentRead(true))
                .item();
    }
}
