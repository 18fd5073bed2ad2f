package dev.sluice.responsecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.ChatRequest;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.Caller;
import dev.sluice.auth.Tenant;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.quota.Limits;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.usage.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnswerCacheTest {
    private static final Deployment DEMO = new Deployment("demo", "demo-1", null, null, null, null);

    private final InMemoryResponseCache store = new InMemoryResponseCache();
    private final AnswerCache cache = new AnswerCache(store);

    private static ChatRequest request(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Route route(CachePolicy policy) {
        return new Route(
                "alias", List.of(DEMO), RetryPolicy.DEFAULT, RoutingStrategy.PRIORITY, List.of(), null, policy);
    }

    private static Caller caller(String tenant) {
        return Caller.of(
                new Tenant(tenant, tenant, Tenant.Status.ACTIVE, Set.of(), Limits.NONE),
                ApiKey.app("key_1", tenant, "k", Set.of(), Limits.NONE));
    }

    private String status(String json, CachePolicy policy, String header) {
        return cache.lookup(request(json), route(policy), caller("acme"), header, null)
                .status();
    }

    @Test
    void policyAndCaller_decideWhatIsLookedUp() {
        String zero = "{\"model\":\"alias\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        String seeded = "{\"model\":\"alias\",\"seed\":42,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        String warm = "{\"model\":\"alias\",\"temperature\":0.8,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        String unset = "{\"model\":\"alias\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        String tools =
                "{\"model\":\"alias\",\"temperature\":0,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        CachePolicy auto = CachePolicy.DEFAULT;
        CachePolicy always = new CachePolicy(CachePolicy.Mode.ALWAYS, null, null);
        CachePolicy off = new CachePolicy(CachePolicy.Mode.OFF, null, null);

        assertThat(status(zero, auto, null)).isEqualTo("miss");
        assertThat(status(seeded, auto, null)).isEqualTo("miss");
        assertThat(status(warm, auto, null)).isEqualTo("bypass");
        assertThat(status(unset, auto, null))
                .as("providers default to a temperature above 0")
                .isEqualTo("bypass");
        assertThat(status(tools, auto, null)).isEqualTo("bypass");
        assertThat(status(warm, auto, "on")).isEqualTo("miss");
        assertThat(status(tools, auto, "ON")).isEqualTo("miss");
        assertThat(status(zero, auto, "off")).isEqualTo("bypass");
        assertThat(status(warm, always, null)).isEqualTo("miss");
        assertThat(status(warm, always, "off")).isEqualTo("bypass");
        assertThat(status(zero, off, "on")).isEqualTo("bypass");
        assertThat(new AnswerCache(ResponseCache.NONE)
                        .lookup(request(zero), route(auto), caller("acme"), "on", null)
                        .status())
                .isEqualTo("bypass");
    }

    @Test
    void theKey_ignoresFieldOrderAndStreaming_butNotTheTenantTheAliasOrAnySamplingParameter() {
        String a = AnswerCache.key("acme", "alias", request("""
                {"model":"alias","temperature":0,"stream":true,"messages":[{"role":"user","content":"hi"}]}""").body());
        String reordered = AnswerCache.key("acme", "alias", request("""
                {"messages":[{"content":"hi","role":"user"}],"temperature":0,"model":"alias","user":"u1"}""").body());
        String otherTenant = AnswerCache.key("globex", "alias", request("""
                {"model":"alias","temperature":0,"messages":[{"role":"user","content":"hi"}]}""").body());
        String otherAlias = AnswerCache.key("acme", "other", request("""
                {"model":"alias","temperature":0,"messages":[{"role":"user","content":"hi"}]}""").body());
        String topP = AnswerCache.key("acme", "alias", request("""
                {"model":"alias","temperature":0,"top_p":0.5,"messages":[{"role":"user","content":"hi"}]}""").body());

        assertThat(reordered).isEqualTo(a);
        assertThat(List.of(otherTenant, otherAlias, topP)).doesNotContain(a).doesNotHaveDuplicates();
        assertThat(a).hasSize(64);
    }

    @Test
    void aMissStoresTheCompletedAnswer_andTheNextLookupHits() {
        String zero = "{\"model\":\"alias\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        AnswerCache.Lookup.Miss miss = (AnswerCache.Lookup.Miss)
                cache.lookup(request(zero), route(CachePolicy.DEFAULT), caller("acme"), null, null);
        miss.recorder().onChunk(StreamChunk.start());
        miss.recorder().onChunk(StreamChunk.of(new StreamDelta.Text(0, "Hi")));
        miss.recorder().onChunk(StreamChunk.of(new StreamDelta.Finish(0, "stop")));
        miss.recorder().onUsage(TokenUsage.of(5, 1));

        cache.store(miss, DEMO);

        AnswerCache.Lookup again = cache.lookup(request(zero), route(CachePolicy.DEFAULT), caller("acme"), null, null);
        assertThat(again).isInstanceOf(AnswerCache.Lookup.Hit.class);
        assertThat(((AnswerCache.Lookup.Hit) again).answer().chunks()).hasSize(2);
    }

    @Test
    void anAnswerWithoutItsFinish_orWithoutUsage_isNotStored() {
        AnswerRecorder cut = new AnswerRecorder();
        cut.onChunk(StreamChunk.of(new StreamDelta.Text(0, "Hi")));
        cut.onUsage(TokenUsage.of(5, 1));
        AnswerRecorder unbilled = new AnswerRecorder();
        unbilled.onChunk(StreamChunk.of(new StreamDelta.Text(0, "Hi"), new StreamDelta.Finish(0, "stop")));

        assertThat(cut.answer(DEMO)).isNull();
        assertThat(unbilled.answer(DEMO)).isNull();
    }

    @Test
    void malformedHeaders_areRefused() {
        assertThatThrownBy(() -> AnswerCache.checkHeaders("yes", null))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining("'on' or 'off'");
        assertThatThrownBy(() -> AnswerCache.checkHeaders(null, "0")).isInstanceOf(GatewayException.class);
        assertThatThrownBy(() -> AnswerCache.checkHeaders(null, "604801")).isInstanceOf(GatewayException.class);
        AnswerCache.checkHeaders("off", "604800");
    }
}
