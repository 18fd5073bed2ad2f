package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.inbound.openai.ChatCompletionRelay;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.contract.ChatProviderContract.Collected;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.UsageMeter;
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
        return new ProviderCall(
                "req_9",
                request,
                new Deployment(
                        OpenAiCompatibleProvider.TYPE,
                        "gpt-upstream",
                        upstream.baseUrl().toString(),
                        "ref",
                        Pricing.FREE,
                        timeout),
                "sk-upstream-secret");
    }

    @Test
    void stream_relaysDeltasInOrder_andReportsUpstreamUsage() {
        upstream.streamContent("Hel", "lo", " wor", "ld");
        upstream.reportUsage(21, 4);
        Collected collected = new Collected();

        provider.streamChat(call(Duration.ofSeconds(5)), collected);

        assertThat(collected.contentDeltas).containsExactly("Hel", "lo", " wor", "ld");
        assertThat(collected.finishReasons).containsExactly("stop");
        assertThat(collected.usage).isEqualTo(TokenUsage.of(21, 4));
    }

    @ParameterizedTest(name = "include_usage {0}")
    @CsvSource({"true", "false"})
    void streamingOpenAiClient_getsTheUpstreamChunksWithIdAndModelReplaced_andNotItsUsageChunk(boolean includeUsage)
            throws Exception {
        upstream.streamContent("Hel", "lo");
        upstream.reportUsage(21, 2);
        RecordingChannel channel = new RecordingChannel();
        ChatCompletionRelay relay =
                new ChatCompletionRelay(channel, "chatcmpl-req_9", "alias-1", 7, true, includeUsage);
        UsageMeter meter = new UsageMeter(System::nanoTime, System.nanoTime());

        provider.streamChat(call(Duration.ofSeconds(5)), ChatStreamListener.tee(meter, relay));
        relay.complete(meter.reportedUsage());

        List<String> frames = List.of(channel.bodyText().split("\n\n"));
        assertThat(frames.getLast()).isEqualTo("data: [DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String frame : frames.subList(0, frames.size() - 1)) {
            chunks.add(Json.read(frame.substring("data: ".length())));
        }
        // role, two content chunks, finish: the upstream's own (its fingerprint), the upstream's usage chunk dropped
        List<JsonNode> forwarded = chunks.subList(0, 4);
        assertThat(forwarded).allSatisfy(chunk -> {
            assertThat(chunk.path("id").asText()).isEqualTo("chatcmpl-req_9");
            assertThat(chunk.path("model").asText()).isEqualTo("alias-1");
            assertThat(chunk.path("system_fingerprint").asText()).isEqualTo("fp_sluice_fake");
            assertThat(chunk.path("choices")).hasSize(1);
            assertThat(chunk.has("usage")).isEqualTo(includeUsage);
            if (includeUsage) {
                assertThat(chunk.get("usage").isNull()).isTrue();
            }
        });
        assertThat(forwarded.get(1).at("/choices/0/delta/content").asText()).isEqualTo("Hel");
        assertThat(forwarded.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        if (includeUsage) {
            assertThat(chunks).hasSize(5);
            assertThat(chunks.get(4).path("choices")).isEmpty();
            assertThat(chunks.get(4).path("system_fingerprint").isMissingNode()).isTrue();
            assertThat(chunks.get(4).at("/usage/prompt_tokens").asInt()).isEqualTo(21);
        } else {
            assertThat(chunks).hasSize(4);
        }
        assertThat(meter.reportedUsage()).isEqualTo(TokenUsage.of(21, 2));
        assertThat(meter.hasOutput()).isTrue();
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
        upstream.failWith(
                upstreamStatus,
                FakeUpstream.openAiError("upstream says no", "error", upstreamCode),
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
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.status()).isEqualTo(504));
    }

    @Test
    void connectionCutMidStream_failsAfterTheDeltasAlreadyRelayed() {
        upstream.streamContent("one", "two", "three", "four");
        // Paced: the JDK's response stream drops bytes it already buffered when the connection then fails.
        upstream.delayBetweenChunks(Duration.ofMillis(5));
        upstream.cutAfterChunks(3);
        Collected collected = new Collected();

        assertThatThrownBy(() -> provider.streamChat(call(Duration.ofSeconds(5)), collected))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.status()).isEqualTo(502));
        assertThat(collected.contentDeltas).containsExactly("one", "two");
        assertThat(collected.usage).isNull();
    }

    @Test
    void unreachableUpstream_is502() {
        ProviderCall call = call(Duration.ofSeconds(2));
        ProviderCall unreachable = new ProviderCall(
                "r",
                call.request(),
                new Deployment(
                        OpenAiCompatibleProvider.TYPE, "m", "http://127.0.0.1:1/v1", null, null, Duration.ofSeconds(2)),
                null);

        assertThatThrownBy(() -> provider.streamChat(unreachable, new Collected()))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.code()).isEqualTo("upstream_unreachable");
                });
    }
}
