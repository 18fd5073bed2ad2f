package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.Tenant;
import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.BedrockGuardrails;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.guard.GuardPolicy.Mode;
import dev.sluice.json.Json;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.usage.InMemoryUsagePublisher;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard stage through the whole pipeline: a tenant's guard on top of the route's, embeddings input guarded like
 * chat prompts, and a Bedrock guardrail (a fake speaking ApplyGuardrail's JSON) masking, blocking and failing closed.
 * The upstreams record what a provider would have seen.
 */
class GuardIT {
    private static final BedrockGuardrail GUARDRAIL = new BedrockGuardrail("gr1abc", "1", null);
    private static final String MAIL = """
            {"model":"%s","messages":[{"role":"user","content":"Mail jane.doe@example.com about Jane"}]}""";

    private final InMemoryRouteRepository routes = new InMemoryRouteRepository();
    private final InMemoryTenantRepository tenants = new InMemoryTenantRepository();
    private final InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
    private final String key = ApiKeys.newKey();
    private FakeUpstream chatUpstream;
    private ReplayUpstream embeddingsUpstream;
    private ReplayUpstream bedrock;
    private BedrockGuardrails guardrails;
    private GatewayPipeline pipeline;

    @BeforeEach
    void start() {
        chatUpstream = FakeUpstream.start();
        embeddingsUpstream = ReplayUpstream.start();
        embeddingsUpstream.reply(Reply.json(200, """
                {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,0.25]}],
                 "model":"text-embedding-3-small","usage":{"prompt_tokens":6,"total_tokens":6}}"""));
        bedrock = ReplayUpstream.start();
        guardrails =
                BedrockGuardrails.create("us-east-1", Duration.ofSeconds(1), Duration.ofSeconds(1), bedrock.baseUrl());
        routes.put(route("open", chatUpstream.baseUrl(), GuardPolicy.OFF));
        routes.put(route("embed", embeddingsUpstream.baseUrl(), GuardPolicy.OFF));
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), "acme", "k", Set.of(), Limits.NONE));
        Clock clock = Clock.systemUTC();
        pipeline = new GatewayPipeline(
                new Authenticator(keys, tenants, clock),
                new RouteResolver(routes),
                new Admitter(new InMemoryQuotaLedger(), clock),
                new LocalSecretStore(Map.of(LocalSecretStore.variableFor("upstream"), "sk-upstream")),
                new ProviderRegistry(List.of(new OpenAiCompatibleProvider(Duration.ofSeconds(2)), guardrails)),
                usage,
                clock,
                System::nanoTime);
    }

    @AfterEach
    void stop() {
        guardrails.close();
        bedrock.close();
        embeddingsUpstream.close();
        chatUpstream.close();
    }

    private static Route route(String alias, URI upstream, GuardPolicy guard) {
        return new Route(
                alias,
                List.of(new Deployment(
                        OpenAiCompatibleProvider.TYPE,
                        "model-a",
                        upstream.toString(),
                        "upstream",
                        Pricing.FREE,
                        Duration.ofSeconds(5),
                        Map.of(),
                        Duration.ofSeconds(5))),
                RetryPolicy.DEFAULT,
                RoutingStrategy.PRIORITY,
                List.of(),
                null,
                CachePolicy.DEFAULT,
                guard);
    }

    private void tenantGuard(GuardPolicy guard) {
        tenants.put(new Tenant("acme", "Acme", Tenant.Status.ACTIVE, Set.of(), Limits.NONE, IpAllowlist.ANY, guard));
    }

    private RecordingChannel chat(String body) {
        RecordingChannel channel = new RecordingChannel();
        pipeline.chatCompletions(
                new GatewayRequest("req_c", "Bearer " + key, null, body.getBytes(StandardCharsets.UTF_8)), channel);
        return channel;
    }

    private RecordingChannel embed(String body) {
        RecordingChannel channel = new RecordingChannel();
        pipeline.embeddings(
                new GatewayRequest("req_e", "Bearer " + key, null, body.getBytes(StandardCharsets.UTF_8)), channel);
        return channel;
    }

    private static JsonNode error(RecordingChannel channel) throws Exception {
        return Json.read(channel.bodyText()).path("error");
    }

    @Test
    void aTenantsGuard_redactsOnARouteWithoutOne_andTheUsageEventCountsIt() {
        tenantGuard(new GuardPolicy(Mode.REDACT, List.of()));

        RecordingChannel channel = chat(MAIL.formatted("open"));

        assertThat(channel.status).isEqualTo(200);
        assertThat(chatUpstream.lastRequest().body())
                .contains("Mail [EMAIL] about Jane")
                .doesNotContain("jane.doe");
        assertThat(usage.events().getLast().redactions()).isEqualTo(1);
    }

    @Test
    void aTenantsBlock_winsOverTheRoutesRedact_andNothingReachesTheProvider() throws Exception {
        routes.put(route("redacting", chatUpstream.baseUrl(), new GuardPolicy(Mode.REDACT, List.of())));
        tenantGuard(new GuardPolicy(Mode.BLOCK, List.of()));

        RecordingChannel channel = chat(MAIL.formatted("redacting"));

        assertThat(channel.status).isEqualTo(400);
        assertThat(error(channel).path("code").asText()).isEqualTo("content_policy_violation");
        assertThat(channel.bodyText()).doesNotContain("jane.doe");
        assertThat(chatUpstream.requestCount()).isZero();
    }

    @Test
    void theRoutesDenyPatterns_stillApplyUnderATenantGuard() throws Exception {
        routes.put(route("denying", chatUpstream.baseUrl(), new GuardPolicy(Mode.OFF, List.of("about\\s+jane"))));
        tenantGuard(new GuardPolicy(Mode.REDACT, List.of()));

        RecordingChannel channel = chat(MAIL.formatted("denying"));

        assertThat(channel.status).isEqualTo(400);
        assertThat(error(channel).path("code").asText()).isEqualTo("content_policy_violation");
        assertThat(chatUpstream.requestCount()).isZero();
    }

    @Test
    void embeddings_redact_theProviderGetsTheRedactedInput_andTheUsageEventCountsIt() {
        tenantGuard(new GuardPolicy(Mode.REDACT, List.of()));
        embeddingsUpstream.reply(Reply.json(200, """
                {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5]},
                  {"object":"embedding","index":1,"embedding":[0.25]},{"object":"embedding","index":2,"embedding":[1]}],
                 "model":"text-embedding-3-small","usage":{"prompt_tokens":12,"total_tokens":12}}"""));

        RecordingChannel channel = embed("""
                {"model":"embed","input":["write to jane.doe@example.com","card 4111 1111 1111 1111","plain"]}""");

        assertThat(channel.status).isEqualTo(200);
        assertThat(embeddingsUpstream.lastRequest().json().path("input").toString())
                .isEqualTo("[\"write to [EMAIL]\",\"card [CARD]\",\"plain\"]");
        assertThat(usage.events().getLast().redactions()).isEqualTo(2);
    }

    @Test
    void embeddings_block_is400ContentPolicyViolation_andNothingReachesTheProvider() throws Exception {
        routes.put(route("strict-embed", embeddingsUpstream.baseUrl(), new GuardPolicy(Mode.BLOCK, List.of())));

        RecordingChannel channel = embed("{\"model\":\"strict-embed\",\"input\":\"write to jane.doe@example.com\"}");

        assertThat(channel.status).isEqualTo(400);
        assertThat(error(channel).path("code").asText()).isEqualTo("content_policy_violation");
        assertThat(error(channel).path("param").asText()).isEqualTo("input");
        assertThat(channel.bodyText()).doesNotContain("jane.doe");
        assertThat(embeddingsUpstream.requests()).isEmpty();
        assertThat(usage.events()).isEmpty();
    }

    @Test
    void aBedrockGuardrailThatMasks_theProviderGetsTheMaskedPrompt_andBothEnginesCount() {
        routes.put(route("guarded", chatUpstream.baseUrl(), GuardPolicy.of(Mode.REDACT, List.of(), GUARDRAIL)));
        bedrock.reply(Reply.json(200, """
                {"action":"GUARDRAIL_INTERVENED","outputs":[{"text":"Mail [EMAIL] about {NAME}"}],
                 "assessments":[{"sensitiveInformationPolicy":{"piiEntities":[
                   {"match":"Jane","type":"NAME","action":"ANONYMIZED","detected":true}]}}]}"""));

        RecordingChannel channel = chat(MAIL.formatted("guarded"));

        assertThat(channel.status).isEqualTo(200);
        assertThat(bedrock.lastRequest().body())
                .as("the guardrail sees the locally redacted text")
                .contains("Mail [EMAIL] about Jane")
                .doesNotContain("jane.doe");
        assertThat(chatUpstream.lastRequest().body())
                .contains("Mail [EMAIL] about {NAME}")
                .doesNotContain("Jane");
        assertThat(usage.events().getLast().redactions()).isEqualTo(2);
    }

    @Test
    void aBedrockGuardrailThatBlocks_is400NamingOnlyTheGuardrail() throws Exception {
        tenantGuard(GuardPolicy.of(Mode.OFF, List.of(), GUARDRAIL));
        bedrock.reply(Reply.json(200, """
                {"action":"GUARDRAIL_INTERVENED","outputs":[{"text":"Sorry, I can't help with that."}],
                 "assessments":[{"topicPolicy":{"topics":[
                   {"name":"Email","type":"DENY","action":"BLOCKED","detected":true}]}}]}"""));

        RecordingChannel channel = chat(MAIL.formatted("open"));

        assertThat(channel.status).isEqualTo(400);
        assertThat(error(channel).path("code").asText()).isEqualTo("content_policy_violation");
        assertThat(error(channel).path("message").asText())
                .contains("guardrail intervened")
                .doesNotContain("jane")
                .doesNotContain("Sorry");
        assertThat(chatUpstream.requestCount()).isZero();
    }

    @Test
    void aBedrockGuardrailThatFails_failsClosedWith503_andNothingReachesTheProvider() throws Exception {
        tenantGuard(GuardPolicy.of(Mode.OFF, List.of(), GUARDRAIL));
        bedrock.reply(Reply.json(503, "{\"message\":\"Service unavailable\"}")
                .withHeader("x-amzn-ErrorType", "ServiceUnavailableException"));

        RecordingChannel embedded = embed("{\"model\":\"embed\",\"input\":\"hello\"}");
        RecordingChannel chatted = chat(MAIL.formatted("open"));

        for (RecordingChannel channel : List.of(embedded, chatted)) {
            assertThat(channel.status).isEqualTo(503);
            assertThat(channel.headers).containsEntry("Retry-After", "1");
            assertThat(error(channel).path("message").asText()).contains("not sent to any model");
        }
        assertThat(chatUpstream.requestCount()).isZero();
        assertThat(embeddingsUpstream.requests()).isEmpty();
    }
}
