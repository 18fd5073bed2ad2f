package dev.sluice.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.inbound.openai.CompletionAssembler;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.Transcripts;
import dev.sluice.usage.TokenUsage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI chat requests translated into Anthropic Messages bodies, and the JSON-mode round trip back. */
class AnthropicRequestMapperTest {
    private static final Deployment DEPLOYMENT = new Deployment(
            AnthropicProvider.TYPE, "claude-sonnet-4-5", null, "anthropic", Pricing.FREE, Duration.ofSeconds(30));

    @Test
    void systemAndDeveloperMessages_joinIntoTopLevelSystem() {
        JsonNode body = translate("""
                {"model":"m","messages":[
                  {"role":"system","content":"Be terse."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hi"}]}""");
        assertThat(body.path("system").asText()).isEqualTo("Be terse.\n\nAnswer in French.");
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Hi"}]}]"""));
    }

    @Test
    void consecutiveToolResults_mergeIntoOneUserMessageBeforeItsText() {
        JsonNode body = translate("""
                {"model":"m","messages":[
                  {"role":"user","content":"Weather in Tokyo and Osaka?"},
                  {"role":"assistant","content":"Checking.","tool_calls":[
                    {"id":"toolu_1","type":"function","function":{"name":"w","arguments":"{\\"city\\":\\"Tokyo\\"}"}},
                    {"id":"toolu_2","type":"function","function":{"name":"w","arguments":""}}]},
                  {"role":"tool","tool_call_id":"toolu_1","content":"rain"},
                  {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"sun"}]},
                  {"role":"user","content":"Thanks"}]}""");
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Weather in Tokyo and Osaka?"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Checking."},
                   {"type":"tool_use","id":"toolu_1","name":"w","input":{"city":"Tokyo"}},
                   {"type":"tool_use","id":"toolu_2","name":"w","input":{}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_1","content":"rain"},
                   {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"sun"}]},
                   {"type":"text","text":"Thanks"}]}]"""));
    }

    @Test
    void consecutiveSameRoleMessages_mergeSoTurnsAlternate() {
        JsonNode body = translate("""
                {"model":"m","messages":[
                  {"role":"user","content":"One"},{"role":"user","content":"Two"},
                  {"role":"assistant","content":"A"},{"role":"assistant","content":null},
                  {"role":"assistant","content":"B"},{"role":"user","content":""},
                  {"role":"user","content":"Three"}]}""");
        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"One"},{"type":"text","text":"Two"}]},
                 {"role":"assistant","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]},
                 {"role":"user","content":[{"type":"text","text":"Three"}]}]"""));
    }

    @Test
    void remoteImage_becomesUrlSource_andPdfFile_becomesDocument() {
        JsonNode body = translate("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}},
                  {"type":"file","file":{"filename":"a.pdf",
                    "file_data":"data:application/pdf;base64,JVBERi0x"}}]}]}""");
        assertThat(body.get("messages").get(0).get("content")).isEqualTo(json("""
                [{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
                 {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}}]"""));
    }

    @ParameterizedTest(name = "tool_choice {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "\"auto\"                                      | {\"type\":\"auto\"}",
                "\"required\"                                  | {\"type\":\"any\"}",
                "\"none\"                                      | {\"type\":\"none\"}",
                "{\"type\":\"function\",\"function\":{\"name\":\"w\"}} | {\"type\":\"tool\",\"name\":\"w\"}"
            })
    void toolChoice_translates(String openAi, String anthropic) {
        JsonNode body = translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TOOLS
                + ",\"tool_choice\":" + openAi + "}");
        assertThat(body.get("tool_choice")).isEqualTo(json(anthropic));
        assertThat(body.get("tools")).isEqualTo(json("""
                [{"name":"w","description":"Weather","input_schema":{"type":"object","properties":{}}},
                 {"name":"noargs","input_schema":{"type":"object","properties":{}}}]"""));
    }

    @Test
    void parallelToolCallsFalse_disablesParallelToolUse() {
        JsonNode body = translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TOOLS
                + ",\"parallel_tool_calls\":false}");
        assertThat(body.get("tool_choice")).isEqualTo(json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
        JsonNode required = translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TOOLS
                + ",\"parallel_tool_calls\":false,\"tool_choice\":\"required\"}");
        assertThat(required.get("tool_choice"))
                .isEqualTo(json("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"));
    }

    @Test
    void maxTokens_comesFromTheRequestOrTheDeploymentsDefault() {
        assertThat(translate(simple(",\"max_tokens\":77")).path("max_tokens").asInt())
                .isEqualTo(77);
        assertThat(translate(simple("")).path("max_tokens").asInt()).isEqualTo(4096);
        Deployment withDefault = new Deployment(
                AnthropicProvider.TYPE,
                "claude-sonnet-4-5",
                null,
                null,
                null,
                null,
                Map.of("defaultMaxTokens", "1024"));
        assertThat(AnthropicRequestMapper.toMessagesRequest(request(simple("")), withDefault)
                        .body()
                        .path("max_tokens")
                        .asInt())
                .isEqualTo(1024);
    }

    @Test
    void hintsWithoutEquivalent_areDropped_andUserBecomesMetadata() {
        JsonNode body = translate(simple(",\"seed\":1,\"logit_bias\":{\"50256\":-100},\"presence_penalty\":0.5,"
                + "\"frequency_penalty\":0.5,\"store\":true,\"service_tier\":\"auto\",\"reasoning_effort\":\"low\","
                + "\"user\":\"user-42\",\"stop\":\"STOP\",\"stream_options\":{\"include_usage\":true}"));
        assertThat(fieldNames(body))
                .containsExactlyInAnyOrder("model", "max_tokens", "stop_sequences", "metadata", "messages", "stream");
        assertThat(body.get("metadata")).isEqualTo(json("{\"user_id\":\"user-42\"}"));
        assertThat(body.get("stop_sequences")).isEqualTo(json("[\"STOP\"]"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "n > 1             | ,\"n\":2                                           | n",
                "logprobs          | ,\"logprobs\":true                                 | logprobs",
                "bad tool_choice   | ,\"tool_choice\":\"sometimes\"                       | tool_choice",
                "bad format        | ,\"response_format\":{\"type\":\"yaml\"}            | response_format.type",
                "no schema | ,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}"
                        + " | response_format.json_schema.schema"
            })
    void unsupportedOrInvalidParameters_areRejectedWithTheirName(String why, String extra, String param) {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> translate(simple(extra)));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo(param);
    }

    @Test
    void invalidToolArguments_areRejectedWithTheParam() {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> translate("""
                {"model":"m","messages":[{"role":"user","content":"Hi"},
                  {"role":"assistant","tool_calls":[{"id":"t1","type":"function",
                    "function":{"name":"w","arguments":"[1,2]"}}]}]}"""));
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void legacyFunctionMessages_areRejected() {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> translate("""
                {"model":"m","messages":[{"role":"user","content":"Hi"},
                  {"role":"function","name":"w","content":"rain"}]}"""));
        assertThat(error.param()).isEqualTo("messages[1].role");
        assertThat(error.code()).isEqualTo("unsupported_parameter");
    }

    @Test
    void jsonObject_addsAnInstructionToTheSystemPrompt() {
        JsonNode body = translate("""
                {"model":"m","response_format":{"type":"json_object"},
                 "messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"A city?"}]}""");
        assertThat(body.path("system").asText())
                .isEqualTo("Be terse.\n\n" + AnthropicRequestMapper.JSON_OBJECT_INSTRUCTION);
        assertThat(body.has("tools")).isFalse();
    }

    @Test
    void jsonSchemaBesideCallerTools_requiresSomeTool() {
        MessagesRequest translated = AnthropicRequestMapper.toMessagesRequest(
                request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TOOLS + ","
                        + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"bad name!\","
                        + "\"schema\":{\"type\":\"object\"}}}}"),
                DEPLOYMENT);
        assertThat(translated.responseToolName()).isEqualTo(AnthropicRequestMapper.DEFAULT_RESPONSE_TOOL);
        JsonNode body = translated.body();
        assertThat(body.get("tools")).hasSize(3);
        assertThat(body.get("tools").get(2).path("name").asText()).isEqualTo("json_response");
        assertThat(body.get("tool_choice")).isEqualTo(json("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"));
    }

    @Test
    void jsonSchemaNamedLikeACallerTool_isRejected() {
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]," + TOOLS + ","
                        + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\","
                        + "\"schema\":{\"type\":\"object\"}}}}"));
        assertThat(error.param()).isEqualTo("response_format.json_schema.name");
    }

    /** The whole JSON mode: the schema becomes a forced tool, and that tool's streamed input comes back as text. */
    @Test
    void jsonSchemaRoundTrip_forcedToolInputStreamsBackAsContent() throws IOException {
        MessagesRequest translated = AnthropicRequestMapper.toMessagesRequest(request("""
                {"model":"m","messages":[{"role":"user","content":"Give me a city and its country."}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"place","strict":true,
                   "schema":{"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"}},
                             "required":["city","country"],"additionalProperties":false}}}}"""), DEPLOYMENT);
        assertThat(translated.responseToolName()).isEqualTo("place");
        assertThat(translated.body().path("tool_choice").path("type").asText()).isEqualTo("tool");

        Recorder out = new Recorder();
        new AnthropicStreamMapper(translated.responseToolName(), out)
                .relay(new ByteArrayInputStream(Transcripts.text("transcripts/anthropic/messages-json.sse")
                        .getBytes(StandardCharsets.UTF_8)));

        assertThat(out.chunks)
                .allSatisfy(chunk -> assertThat(chunk.deltas())
                        .noneMatch(delta -> delta instanceof StreamDelta.ToolCallStart
                                || delta instanceof StreamDelta.ToolCallArguments));
        JsonNode message = out.assembled.toCompletionChoices().get(0);
        assertThat(message.path("message").path("content").asText())
                .isEqualTo("{\"city\": \"Paris\", \"country\": \"France\"}");
        assertThat(message.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(out.usage).containsExactly(TokenUsage.of(402, 24));
    }

    @Test
    void withoutResponseTool_theSameStreamIsAToolCall() throws IOException {
        Recorder out = new Recorder();
        new AnthropicStreamMapper(null, out)
                .relay(new ByteArrayInputStream(Transcripts.text("transcripts/anthropic/messages-json.sse")
                        .getBytes(StandardCharsets.UTF_8)));
        JsonNode choice = out.assembled.toCompletionChoices().get(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.path("message")
                        .path("tool_calls")
                        .get(0)
                        .path("function")
                        .path("name")
                        .asText())
                .isEqualTo("place");
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static final String TOOLS = """
            "tools":[{"type":"function","function":{"name":"w","description":"Weather",
                "parameters":{"type":"object","properties":{}}}},
              {"type":"function","function":{"name":"noargs"}}]""";

    private static String simple(String extra) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]" + extra + "}";
    }

    private static JsonNode translate(String openAi) {
        return AnthropicRequestMapper.toMessagesRequest(request(openAi), DEPLOYMENT)
                .body();
    }

    private static ChatRequest request(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static final class Recorder implements ChatStreamListener {
        final List<StreamChunk> chunks = new ArrayList<>();
        final List<TokenUsage> usage = new ArrayList<>();
        final CompletionAssembler assembled = new CompletionAssembler();

        @Override
        public void onChunk(StreamChunk chunk) {
            chunks.add(chunk);
            assembled.add(chunk);
        }

        @Override
        public void onUsage(TokenUsage reported) {
            usage.add(reported);
        }
    }
}
