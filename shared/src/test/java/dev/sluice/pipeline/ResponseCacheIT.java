package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.health.HealthBoard;
import dev.sluice.json.Json;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.responsecache.ResponseCache;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.store.DynamoDbResponseCache;
import dev.sluice.store.DynamoDbVectorIndex;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.event.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The exact response cache through the whole pipeline, stored in DynamoDB Local: hit, miss and bypass; a stored
 * answer replayed as a stream or as one body, in the OpenAI and the Anthropic dialect; billing (a hit costs nothing
 * and records what it saved); tenants isolated; expiry; what is never stored; an outage is a miss.
 */
class ResponseCacheIT {
    private static final DynamoDbClient DYNAMO = LocalDynamoDb.shared().newClient();
    private static final Pricing PRICING = new Pricing(2_000_000, 8_000_000, 0);
    /**
     * The gateway bounds a lookup to 200 ms and serves a slower one as a miss; on a busy test machine the first calls
     * of a fresh JVM can take that long, so these tests allow more (the outage test keeps the gateway's bounds).
     */
    private static final Duration PATIENT = Duration.ofSeconds(5);

    private static final String ASK = """
            {"model":"cached","temperature":0,"stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    private final InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
    /**
     * The cache's clock starts at the real time: DynamoDB Local deletes items whose TTL attribute lies in the real past,
     * so answers must never be stored with an expiry before it.
     */
    private final AtomicReference<Instant> now =
            new AtomicReference<>(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

    private final InMemoryRouteRepository routes = new InMemoryRouteRepository();
    private final InMemoryKeyRepository keys = new InMemoryKeyRepository();
    private FakeUpstream upstream;
    private TableNames tables;
    private GatewayPipeline pipeline;
    private String acme;
    private String globex;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        upstream.streamContent("Cached", " answers", " are", " cheap.");
        upstream.reportUsage(12, 4);
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("cache") + "-");
        SluiceTables.createAll(DYNAMO, tables);
        routes.put(route("cached", CachePolicy.DEFAULT));
        acme = key("acme");
        globex = key("globex");
        pipeline = pipeline(new DynamoDbResponseCache(DYNAMO, tables.cache(), clock(), PATIENT, PATIENT));
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private Clock clock() {
        return new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
    }

    private Route route(String alias, CachePolicy cache) {
        return new Route(
                alias,
                List.of(new Deployment(
                        OpenAiCompatibleProvider.TYPE,
                        "gpt-upstream",
                        upstream.baseUrl().toString(),
                        "upstream",
                        PRICING,
                        Duration.ofSeconds(5))),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(),
                null,
                cache);
    }

    private String key(String tenant) {
        String key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), tenant, "k", Set.of(), Limits.NONE));
        return key;
    }

    private GatewayPipeline pipeline(ResponseCache cache) {
        return pipeline(new CacheStores(cache, null));
    }

    private GatewayPipeline pipeline(CacheStores cache) {
        Clock clock = Clock.systemUTC();
        return new GatewayPipeline(
                new Authenticator(keys, new InMemoryTenantRepository(), clock),
                new RouteResolver(routes),
                new Admitter(new InMemoryQuotaLedger(), clock),
                new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-upstream")),
                new ProviderRegistry(
                        List.of(new OpenAiCompatibleProvider(Duration.ofSeconds(2)), new DemoProvider(Duration.ZERO))),
                usage,
                clock,
                System::nanoTime,
                HealthBoard.local(),
                cache,
                null);
    }

    private RecordingChannel chat(String key, String body) {
        return chat(key, body, null, null);
    }

    private RecordingChannel chat(String key, String body, String cacheHeader, String ttlHeader) {
        RecordingChannel channel = new RecordingChannel();
        pipeline.chatCompletions(
                new GatewayRequest(
                        "req_" + System.nanoTime(),
                        "Bearer " + key,
                        null,
                        null,
                        null,
                        body.getBytes(StandardCharsets.UTF_8),
                        null,
                        cacheHeader,
                        ttlHeader),
                channel);
        return channel;
    }

    @Test
    void theSameDeterministicRequestTwice_isAMissThenAStreamedHit_billedAsNothing() throws Exception {
        RecordingChannel first = chat(acme, ASK.formatted(true, "hello"));
        RecordingChannel second = chat(acme, ASK.formatted(true, "hello"));

        assertThat(first.headers).containsEntry("x-sluice-cache", "miss");
        assertThat(second.headers)
                .containsEntry("x-sluice-cache", "hit")
                .containsEntry("x-sluice-deployment", "openai-compatible/gpt-upstream")
                .containsEntry("x-sluice-attempts", "0");
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(second.streamed).isTrue();
        String replay = second.bodyText();
        assertThat(replay)
                .contains("\"content\":\"Cached\"")
                .contains("\"content\":\" cheap.\"")
                .contains("\"finish_reason\":\"stop\"")
                .endsWith("data: [DONE]\n\n");
        assertThat(second.flushes.size()).as("chunk by chunk, as stored").isGreaterThanOrEqualTo(4);
        String firstId = Json.read(first.bodyText()
                        .lines()
                        .filter(l -> l.startsWith("data: {"))
                        .findFirst()
                        .orElseThrow()
                        .substring(6))
                .path("id")
                .asText();
        String replayId = Json.read(replay.lines()
                        .filter(l -> l.startsWith("data: {"))
                        .findFirst()
                        .orElseThrow()
                        .substring(6))
                .path("id")
                .asText();
        assertThat(replayId).as("fresh ids").isNotEqualTo(firstId);

        UsageEvent hit = usage.events().getLast();
        assertThat(hit.cacheHit()).isTrue();
        assertThat(hit.promptTokens() + hit.completionTokens()).isZero();
        assertThat(hit.costMicros()).isZero();
        assertThat(hit.cacheSavedTokens()).isEqualTo(16);
        assertThat(hit.cacheSavedMicros()).isEqualTo(PRICING.costMicros(12, 0, 4));
        assertThat(hit.attempts()).isZero();
        assertThat(usage.events().getFirst().cacheHit()).isFalse();
    }

    @Test
    void aStreamedAnswer_isReplayedAsOneBody_forANonStreamRequest_andInAnthropicsDialect() throws Exception {
        chat(acme, ASK.formatted(true, "shapes"));

        RecordingChannel whole = chat(acme, ASK.formatted(false, "shapes"));
        assertThat(whole.headers).containsEntry("x-sluice-cache", "hit");
        assertThat(whole.streamed).isFalse();
        assertThat(Json.read(whole.bodyText()).at("/choices/0/message/content").asText())
                .isEqualTo("Cached answers are cheap.");
        assertThat(Json.read(whole.bodyText()).at("/usage/completion_tokens").asLong())
                .isEqualTo(4);

        RecordingChannel anthropic = new RecordingChannel();
        pipeline.messages(
                new GatewayRequest(
                        "req_a",
                        "Bearer " + acme,
                        null,
                        "2023-06-01",
                        null,
                        """
                        {"model":"cached","max_tokens":64,"temperature":0,"stream":true,
                         "messages":[{"role":"user","content":"anthropic shapes"}]}""".getBytes(StandardCharsets.UTF_8),
                        null,
                        null,
                        null),
                anthropic);
        RecordingChannel anthropicAgain = new RecordingChannel();
        pipeline.messages(
                new GatewayRequest(
                        "req_b",
                        "Bearer " + acme,
                        null,
                        "2023-06-01",
                        null,
                        """
                        {"model":"cached","max_tokens":64,"temperature":0,"stream":true,
                         "messages":[{"role":"user","content":"anthropic shapes"}]}""".getBytes(StandardCharsets.UTF_8),
                        null,
                        null,
                        null),
                anthropicAgain);
        assertThat(anthropicAgain.headers).containsEntry("x-sluice-cache", "hit");
        assertThat(anthropicAgain.bodyText())
                .startsWith("event: message_start\n")
                .contains("\"text\":\"Cached\"")
                .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    @Test
    void aTenantNeverReceivesAnotherTenantsAnswer() {
        chat(acme, ASK.formatted(true, "secret plans"));

        RecordingChannel other = chat(globex, ASK.formatted(true, "secret plans"));

        assertThat(other.headers).containsEntry("x-sluice-cache", "miss");
        assertThat(upstream.requestCount()).isEqualTo(2);
    }

    @Test
    void bypass_forNonDeterministicRequests_toolsAndCallersOptingOut_whileOptingInCaches() {
        String warm = "{\"model\":\"cached\",\"temperature\":0.7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(chat(acme, warm).headers).containsEntry("x-sluice-cache", "bypass");
        assertThat(chat(acme, warm, "on", null).headers).containsEntry("x-sluice-cache", "miss");
        assertThat(chat(acme, warm, "on", null).headers).containsEntry("x-sluice-cache", "hit");
        assertThat(chat(acme, ASK.formatted(false, "y"), "off", null).headers)
                .containsEntry("x-sluice-cache", "bypass");
        String tools = """
                {"model":"cached","temperature":0,"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],
                 "messages":[{"role":"user","content":"z"}]}""";
        assertThat(chat(acme, tools).headers).containsEntry("x-sluice-cache", "bypass");
        routes.put(route("cached", new CachePolicy(CachePolicy.Mode.OFF, null, null)));
        assertThat(chat(acme, warm, "on", null).headers).containsEntry("x-sluice-cache", "bypass");
    }

    @Test
    void badCacheHeaders_are400sInOpenAisFormat() throws Exception {
        RecordingChannel bad = chat(acme, ASK.formatted(false, "q"), "sometimes", null);
        RecordingChannel badTtl = chat(acme, ASK.formatted(false, "q"), null, "forever");

        assertThat(bad.status).isEqualTo(400);
        assertThat(Json.read(bad.bodyText()).at("/error/param").asText()).isEqualTo("x-sluice-cache");
        assertThat(badTtl.status).isEqualTo(400);
        assertThat(Json.read(badTtl.bodyText()).at("/error/param").asText()).isEqualTo("x-sluice-cache-ttl");
        assertThat(upstream.requestCount()).isZero();
    }

    @Test
    void anAnswerExpiresAfterItsTtl_theCallersOrTheRoutes() {
        chat(acme, ASK.formatted(true, "short-lived"), null, "60");
        now.set(now.get().plusSeconds(59));
        assertThat(chat(acme, ASK.formatted(true, "short-lived")).headers).containsEntry("x-sluice-cache", "hit");
        now.set(now.get().plusSeconds(2));
        assertThat(chat(acme, ASK.formatted(true, "short-lived")).headers).containsEntry("x-sluice-cache", "miss");

        now.set(now.get().plus(CachePolicy.DEFAULT_TTL).minusSeconds(1));
        assertThat(chat(acme, ASK.formatted(true, "short-lived")).headers).containsEntry("x-sluice-cache", "hit");
        now.set(now.get().plusSeconds(2));
        assertThat(chat(acme, ASK.formatted(true, "short-lived")).headers).containsEntry("x-sluice-cache", "miss");
    }

    @Test
    void errorsAndCutStreamsAreNeverStored() {
        upstream.failNext(1, 503, FakeUpstream.openAiError("busy", "server_error", null), null);
        assertThat(chat(acme, ASK.formatted(true, "fails")).status).isEqualTo(503);
        assertThat(chat(acme, ASK.formatted(true, "fails")).headers).containsEntry("x-sluice-cache", "miss");

        upstream.cutAfterChunks(2);
        chat(acme, ASK.formatted(true, "cut"));
        upstream.reset();
        upstream.reportUsage(12, 4);
        assertThat(chat(acme, ASK.formatted(true, "cut")).headers).containsEntry("x-sluice-cache", "miss");
    }

    @Test
    void anAnswerTooLargeEvenCompressed_isServedButNotStored() {
        StringBuilder noise = new StringBuilder();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String[] pieces = new String[400];
        for (int i = 0; i < pieces.length; i++) {
            noise.setLength(0);
            for (int j = 0; j < 1_200; j++) {
                noise.append((char) ('!' + random.nextInt(90)));
            }
            pieces[i] = noise.toString().replace("\\", "/").replace("\"", "'");
        }
        upstream.streamContent(pieces);

        assertThat(chat(acme, ASK.formatted(true, "huge")).status).isEqualTo(200);
        assertThat(chat(acme, ASK.formatted(true, "huge")).headers).containsEntry("x-sluice-cache", "miss");
    }

    @Test
    void aCacheOutage_isAMiss_neverAnError() {
        DynamoDbClient unreachable = DynamoDbClient.builder()
                .endpointOverride(java.net.URI.create("http://127.0.0.1:9"))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "y")))
                .build();
        pipeline = pipeline(new DynamoDbResponseCache(unreachable, tables.cache()));

        RecordingChannel first = chat(acme, ASK.formatted(true, "outage"));
        RecordingChannel second = chat(acme, ASK.formatted(true, "outage"));

        assertThat(first.status).isEqualTo(200);
        assertThat(second.status).isEqualTo(200);
        assertThat(second.headers).containsEntry("x-sluice-cache", "miss");
        assertThat(upstream.requestCount()).isEqualTo(2);
    }

    @Test
    void semantic_aPromptMeaningTheSameInTheSameConversation_isASemanticHit_andItsEmbeddingIsBilled() throws Exception {
        routes.put(new Route(
                "embed",
                List.of(new Deployment(
                        DemoProvider.TYPE, "demo-embed", null, null, new Pricing(100_000, 0, 0), null))));
        routes.put(
                route("cached", new CachePolicy(CachePolicy.Mode.AUTO, null, new CachePolicy.Semantic("embed", 0.95))));
        pipeline = pipeline(new CacheStores(
                new DynamoDbResponseCache(DYNAMO, tables.cache(), clock(), PATIENT, PATIENT),
                new DynamoDbVectorIndex(DYNAMO, tables.cache())));
        // The demo embeddings only match identical text, so the same words in another shape (a list of text parts)
        // stand in for a paraphrase: the exact key differs, the embedding does not.
        String asString = """
                {"model":"cached","temperature":0,"messages":[{"role":"user","content":"What is Sluice?"}]}""";
        String asParts = """
                {"model":"cached","temperature":0,"messages":[{"role":"user",
                 "content":[{"type":"text","text":"What is Sluice?"}]}]}""";

        RecordingChannel first = chat(acme, asString);
        RecordingChannel second = chat(acme, asParts);
        RecordingChannel otherTenant = chat(globex, asParts);

        assertThat(first.headers).containsEntry("x-sluice-cache", "miss");
        assertThat(second.headers)
                .containsEntry("x-sluice-cache", "semantic-hit")
                .containsEntry("x-sluice-cache-similarity", "1.0000");
        assertThat(Json.read(second.bodyText()).at("/choices/0/message/content").asText())
                .isEqualTo("Cached answers are cheap.");
        assertThat(otherTenant.headers).containsEntry("x-sluice-cache", "miss");
        assertThat(upstream.requestCount()).isEqualTo(2);
        List<UsageEvent> embeddings = usage.events().stream()
                .filter(event -> event.requestId().endsWith(":semantic-cache"))
                .toList();
        assertThat(embeddings).hasSize(3).allSatisfy(event -> {
            assertThat(event.alias()).isEqualTo("embed");
            assertThat(event.promptTokens()).isPositive();
            assertThat(event.costMicros()).isGreaterThanOrEqualTo(0);
        });
        assertThat(embeddings).extracting(UsageEvent::tenantId).containsExactly("acme", "acme", "globex");
    }
}
