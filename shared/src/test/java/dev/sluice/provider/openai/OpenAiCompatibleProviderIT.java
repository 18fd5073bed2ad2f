package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.usage.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The OpenAI-compatible adapter against a fake upstream speaking OpenAI's SSE wire format, faults included. */
class OpenAiCompatibleProviderIT {
    private static FakeUpstream upstream;
    private final OpenAiCompatibleProvider provider = new OpenAiCompatibleProvider(Duration.ofSeconds(2));

    @BeforeAll
    static void startUpstream() {
        upstream = FakeUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    private static ProviderCall call(Duration timeout) {
        ChatRequest request = ChatRequest.parse("""
                {"model":"alias-1","stream":false,"temperature":0.2,"user":"u-42",
                 "messages":[{"role":"user","content":"hello"}]}""".getBytes(StandardCharsets.UTF_8));
        return new ProviderCall("req_9", request, new Deployment(OpenAiCompatibleProvider.TYPE, "gpt-upstream",
                upstream.baseUrl().toString(), "ref", Pricing.FREE, timeout), "sk-upstream-secret");
    }

    /** Collects what the provider reports. */
    private static final class Collected implements ChatStreamListener {
        final List<String> content = new ArrayList<>();
        final List<String> finishReasons = new ArrayList<>();
        TokenUsage usage;

        @Override
        public void onChoices(ArrayNode choices) {
            for (JsonNode choice : choices) {
                if (choice.path("delta").path("content").isTextual()
                        && !choice.path("delta").path("content").asText().isEmpty()) {
                    content.add(choice.path("delta").path("content").asText());
                }
                if (choice.path("finish_reason").isTextual()) {
                    finishReasons.add(choice.get("finish_reason").asText());
                }
            }
        }

        @Override
        public void onUsage(TokenUsage reported) {
            usage = usage == null ? reported : usage.plus(reported);
        }
    }

    @Test
    void stream_relaysDeltasInOrder_andReportsUpstreamUsage() {
        upstream.streamContent("Hel", "lo", " wor", "ld");
        upstream.reportUsage(21, 4);
        Collected collected = new Collected();

        provider.streamChat(call(Duration.ofSeconds(5)), collected);

        assertThat(collected.content).containsExactly("Hel", "lo", " wor", "ld");
        assertThat(collected.finishReasons).containsExactly("stop");
        assertThat(collected.usage).isEqualTo(TokenUsage.of(21, 4));
    }

    @Test
    void request_carriesCredentialRoutedModelStreamAndUsageOption_andKeepsCallerFields() {
        provider.streamChat(call(Duration.ofSeconds(5)), new Collected());

        var received = upstream.lastRequest();
        assertThat(received.header("Authorization")).hasValue("Bearer sk-upstream-secret");
        JsonNode body = received.json();
        assertThat(body.get("model").asText()).isEqualTo("gpt-upstream");
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(body.get("user").asText()).isEqualTo("u-42");
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
    }

    @ParameterizedTest(name = "upstream {0} -> {2} {3}")
    @CsvSource({
        "400, invalid_request_error, 400, ",
        "400, context_length_exceeded, 400, context_length_exceeded",
        "401, invalid_api_key, 502, upstream_auth_failed",
        "403, permission_denied, 502, upstream_auth_failed",
        "404, model_not_found, 404, model_not_found",
        "408, timeout, 504, upstream_timeout",
        "429, rate_limit_exceeded, 429, upstream_rate_limited",
        "500, server_error, 502, upstream_error",
        "502, bad_gateway, 502, upstream_error",
        "503, overloaded, 503, upstream_unavailable",
        "504, timeout, 504, upstream_timeout",
    })
    void upstreamErrorStatus_isMappedInOnePlace(int upstreamStatus, String upstreamCode, int status, String code) {
        upstream.failWith(upstreamStatus, FakeUpstream.openAiError("upstream says no", "error", upstreamCode),
                Duration.ofSeconds(12));

        assertThatThrownBy(() -> provider.streamChat(call(Duration.ofSeconds(5)), new Collected()))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(status);
                    if (code != null) {
                        assertThat(e.code()).isEqualTo(code);
                    }
                    assertThat(e.getMessage()).doesNotContain("sk-upstream-secret");
                    if (status == 429) {
                        assertThat(e.retryAfterSeconds()).hasValue(12);
                    }
                });
    }

    @Test
    void slowFirstByte_beyondTheDeploymentTimeout_is504() {
        upstream.delayFirstByte(Duration.ofSeconds(3));

        assertThatThrownBy(() -> provider.streamChat(call(Duration.ofMillis(300)), new Collected()))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(504));
    }

    @Test
    void connectionCutMidStream_failsAfterTheDeltasAlreadyRelayed() {
        upstream.streamContent("one", "two", "three", "four");
        // Paced: the JDK's response stream drops bytes it already buffered when the connection then fails.
        upstream.delayBetweenChunks(Duration.ofMillis(5));
        upstream.cutAfterChunks(3);
        Collected collected = new Collected();

        assertThatThrownBy(() -> provider.streamChat(call(Duration.ofSeconds(5)), collected))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(502));
        assertThat(collected.content).containsExactly("one", "two");
        assertThat(collected.usage).isNull();
    }

    @Test
    void unreachableUpstream_is502() {
        ProviderCall call = call(Duration.ofSeconds(2));
        ProviderCall unreachable = new ProviderCall("r", call.request(), new Deployment(OpenAiCompatibleProvider.TYPE,
                "m", "http://127.0.0.1:1/v1", null, null, Duration.ofSeconds(2)), null);

        assertThatThrownBy(() -> provider.streamChat(unreachable, new Collected()))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.code()).isEqualTo("upstream_unreachable");
                });
    }
}
