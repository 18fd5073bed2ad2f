package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.inbound.openai.ChatCompletionRelay;
import dev.sluice.json.Json;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.usage.TokenUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An OpenAI-style upstream's chunk reaches a streaming OpenAI client as the upstream's bytes, with only {@code id} and
 * {@code model} replaced and {@code usage} as the client asked for it; its deltas are read for everyone else.
 */
class OpenAiChunkPassThroughTest {
    private static final String ROLE = """
            {"id":"chatcmpl-up1","object":"chat.completion.chunk","created":1732000001,"model":"gpt-4o-2024-08-06",\
            "system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},\
            "logprobs":null,"finish_reason":null}],"usage":null}""";
    private static final String CONTENT = """
            {"id":"chatcmpl-up1","object":"chat.completion.chunk","created":1732000001,"model":"gpt-4o-2024-08-06",\
            "system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"caf\\u00e9 \\"ok\\" ☕"},\
            "logprobs":null,"finish_reason":null}],"usage":null}""";
    private static final String FINISH = """
            {"id":"chatcmpl-up1","object":"chat.completion.chunk","created":1732000001,"model":"gpt-4o-2024-08-06",\
            "system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],\
            "usage":null}""";

    private final RecordingChannel channel = new RecordingChannel();

    private ChatCompletionRelay relay(boolean includeUsage) {
        return new ChatCompletionRelay(channel, "chatcmpl-req_1", "my-alias", 42, true, includeUsage);
    }

    private static StreamChunk chunk(String json) throws IOException {
        return OpenAiChunk.read(json.getBytes(StandardCharsets.UTF_8)).toStreamChunk();
    }

    private static String replaced(String upstream) {
        return upstream.replace("\"id\":\"chatcmpl-up1\"", "\"id\":\"chatcmpl-req_1\"")
                .replace("\"model\":\"gpt-4o-2024-08-06\"", "\"model\":\"my-alias\"");
    }

    private List<String> frames() {
        return List.of(channel.bodyText().split("(?<=\n\n)"));
    }

    @Test
    void stream_withUsageAsked_forwardsTheUpstreamBytesWithOnlyIdAndModelReplaced() throws IOException {
        ChatCompletionRelay relay = relay(true);

        relay.onChunk(chunk(ROLE));
        relay.onChunk(chunk(CONTENT));
        relay.onChunk(chunk(FINISH));
        relay.complete(TokenUsage.of(9, 3));

        List<String> frames = frames();
        assertThat(frames).hasSize(5);
        assertThat(frames.subList(0, 3))
                .containsExactly(
                        "data: " + replaced(ROLE) + "\n\n",
                        "data: " + replaced(CONTENT) + "\n\n",
                        "data: " + replaced(FINISH) + "\n\n");
        JsonNode usage = Json.read(frames.get(3).substring(6));
        assertThat(usage.path("id").asText()).isEqualTo("chatcmpl-req_1");
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asInt()).isEqualTo(9);
        assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(frames.get(4)).isEqualTo("data: [DONE]\n\n");
    }

    @Test
    void stream_withoutUsageAsked_dropsTheUpstreamsUsageMember() throws IOException {
        ChatCompletionRelay relay = relay(false);

        relay.onChunk(chunk(CONTENT));
        relay.complete(TokenUsage.of(9, 3));

        assertThat(frames())
                .containsExactly(
                        "data: " + replaced(CONTENT).replace(",\"usage\":null", "") + "\n\n", "data: [DONE]\n\n");
    }

    @Test
    void stream_chunkWithoutUsageMember_getsUsageNullWhenAsked_andKeepsEverythingElse() throws IOException {
        String groqLike = """
                { "choices" : [ {"index":0,"delta":{"content":"hi"},"finish_reason":null} ] ,
                  "model" : "llama", "x_groq" : {"id":"req_x"}, "id" : "up-2" }""";

        relay(true).onChunk(chunk(groqLike));

        JsonNode sent = Json.read(frames().get(0).substring(6));
        JsonNode expected = Json.read(groqLike);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected)
                .put("id", "chatcmpl-req_1")
                .put("model", "my-alias")
                .putNull("usage");
        assertThat(sent).isEqualTo(expected);
    }

    @Test
    void stream_chunkWithoutIdOrModel_getsBoth() throws IOException {
        relay(false).onChunk(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}],\"usage\":{\"a\":1}}"));

        assertThat(frames())
                .containsExactly("data: {\"id\":\"chatcmpl-req_1\",\"model\":\"my-alias\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n");
    }

    @Test
    void stream_roleChunkIsHeldUntilOutput_thenForwardedAsTheUpstreamSentIt() throws IOException {
        ChatCompletionRelay relay = relay(true);

        relay.onChunk(chunk(ROLE));

        assertThat(relay.hasStarted()).isFalse();
        relay.onChunk(chunk(CONTENT));
        assertThat(frames()).startsWith("data: " + replaced(ROLE) + "\n\n");
    }

    @Test
    void read_usageOnlyChunk_hasNoChoicesAndItsUsage() throws IOException {
        OpenAiChunk usageOnly = OpenAiChunk.read(("""
                {"id":"chatcmpl-up1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],\
                "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}""").getBytes(StandardCharsets.UTF_8));

        assertThat(usageOnly.choices()).isEmpty();
        assertThat(OpenAiUsage.toTokenUsage(usageOnly.usage())).isEqualTo(TokenUsage.of(9, 3));
        assertThat(usageOnly.toStreamChunk().hasOutput()).isFalse();
    }

    @Test
    void read_deltas_typedInUpstreamOrder() throws IOException {
        StreamChunk chunk = chunk("""
                {"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"hm",
                  "tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}},
                                {"index":1,"function":{"arguments":"{\\"a\\":"}}]},"finish_reason":null},
                 {"index":1,"delta":{"content":[{"type":"text","text":"parts"}],"refusal":"no"},
                  "finish_reason":"content_filter"}],
                 "x_groq":{"usage":{"prompt_tokens":1}}}""");

        assertThat(chunk.deltas())
                .containsExactly(
                        new StreamDelta.Reasoning(0, "hm"),
                        new StreamDelta.ToolCallStart(0, 0, "call_1", "f", null),
                        new StreamDelta.ToolCallArguments(0, 1, "{\"a\":"),
                        new StreamDelta.Refusal(1, "no"),
                        new StreamDelta.Finish(1, "content_filter"));
    }

    @Test
    void read_deltaFieldsNotTyped_stillCountAsOutput() throws IOException {
        StreamChunk chunk = chunk("""
                {"choices":[{"index":0,"delta":{"role":"assistant","reasoning":"hm","audio":null,"x":""}}]}""");

        assertThat(chunk.deltas()).containsExactly(new StreamDelta.Untyped(0, "reasoning"));
        assertThat(chunk.hasOutput()).isTrue();
    }

    @Test
    void read_roleOnlyChunk_hasNoOutput() throws IOException {
        assertThat(chunk(ROLE).hasOutput()).isFalse();
        assertThat(chunk(CONTENT).deltas()).containsExactly(new StreamDelta.Text(0, "café \"ok\" ☕"));
    }
}
