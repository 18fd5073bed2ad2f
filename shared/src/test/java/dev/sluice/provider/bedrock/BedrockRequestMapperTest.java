package dev.sluice.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;

class BedrockRequestMapperTest {
    private static final String MODEL = "amazon.nova-pro-v1:0";
    private static final String WEATHER_TOOL = """
            {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
              "properties":{"city":{"type":"string"}}}}}""";

    @Test
    void toConverseStream_systemAndDeveloperMessages_becomeSystemBlocks() {
        ConverseStreamRequest converse = map("""
                {"model":"m","messages":[{"role":"system","content":"Be terse."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hi"}]}""");
        assertThat(converse.modelId()).isEqualTo(MODEL);
        assertThat(converse.system())
                .extracting(SystemContentBlock::text)
                .containsExactly("Be terse.", "Answer in French.");
        assertThat(converse.messages()).hasSize(1);
    }

    @Test
    void toConverseStream_consecutiveTurnsOfOneRole_areMerged() {
        ConverseStreamRequest converse = map("""
                {"model":"m","messages":[{"role":"user","content":"First."},{"role":"user","content":"Second."},
                  {"role":"assistant","content":"Ok."},{"role":"assistant","content":[{"type":"text","text":"More."}]},
                  {"role":"user","content":"Third."}]}""");
        assertThat(converse.messages())
                .extracting(Message::role)
                .containsExactly(ConversationRole.USER, ConversationRole.ASSISTANT, ConversationRole.USER);
        assertThat(converse.messages().get(0).content())
                .extracting(ContentBlock::text)
                .containsExactly("First.", "Second.");
        assertThat(converse.messages().get(1).content())
                .extracting(ContentBlock::text)
                .containsExactly("Ok.", "More.");
    }

    @Test
    void toConverseStream_parallelToolResults_becomeOneUserTurn() {
        ConverseStreamRequest converse = map("""
                {"model":"m","tools":[%s],"messages":[{"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":"","tool_calls":[
                    {"id":"t1","type":"function",
                     "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                    {"id":"t2","type":"function","function":{"name":"get_weather","arguments":""}}]},
                  {"role":"tool","tool_call_id":"t1","content":"18C"},
                  {"role":"tool","tool_call_id":"t2","content":[{"type":"text","text":"21C"}]}]}""".formatted(WEATHER_TOOL));
        assertThat(converse.messages()).hasSize(3);
        List<ContentBlock> assistant = converse.messages().get(1).content();
        assertThat(assistant).hasSize(2);
        assertThat(JsonDocuments.toJson(assistant.get(0).toolUse().input())).isEqualTo(json("{\"city\":\"Paris\"}"));
        assertThat(JsonDocuments.toJson(assistant.get(1).toolUse().input())).isEqualTo(json("{}"));
        List<ContentBlock> results = converse.messages().get(2).content();
        assertThat(converse.messages().get(2).role()).isEqualTo(ConversationRole.USER);
        assertThat(results).extracting(block -> block.toolResult().toolUseId()).containsExactly("t1", "t2");
        assertThat(results.get(1).toolResult().content().get(0).text()).isEqualTo("21C");
    }

    @Test
    void toConverseStream_samplingParameters_becomeTheInferenceConfig() {
        ConverseStreamRequest converse = map("""
                {"model":"m","max_tokens":100,"temperature":0.5,"top_p":0.25,"stop":"STOP","seed":3,"user":"u",
                 "presence_penalty":0.2,"messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(converse.inferenceConfig().maxTokens()).isEqualTo(100);
        assertThat(converse.inferenceConfig().temperature()).isEqualTo(0.5f);
        assertThat(converse.inferenceConfig().topP()).isEqualTo(0.25f);
        assertThat(converse.inferenceConfig().stopSequences()).containsExactly("STOP");
        assertThat(converse.additionalModelRequestFields()).isNull();
    }

    @Test
    void toConverseStream_withoutSamplingParameters_sendsNoInferenceConfig() {
        assertThat(map("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                        .inferenceConfig())
                .isNull();
    }

    @ParameterizedTest(name = "tool_choice {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "\"auto\"|AUTO",
                "\"required\"|ANY",
                "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}|TOOL"
            })
    void toConverseStream_toolChoice_mapsToBedrocksChoice(String choice, ToolChoice.Type expected) {
        ConverseStreamRequest converse = map("""
                {"model":"m","tools":[%s],"tool_choice":%s,"messages":[{"role":"user","content":"Hi"}]}""".formatted(WEATHER_TOOL, choice));
        assertThat(converse.toolConfig().toolChoice().type()).isEqualTo(expected);
        assertThat(converse.toolConfig().tools().get(0).toolSpec().name()).isEqualTo("get_weather");
    }

    @Test
    void toConverseStream_toolChoiceNone_omitsTheTools() {
        ConverseStreamRequest converse = map("""
                {"model":"m","tools":[%s],"tool_choice":"none","messages":[{"role":"user","content":"Hi"}]}""".formatted(WEATHER_TOOL));
        assertThat(converse.toolConfig()).isNull();
    }

    @Test
    void toConverseStream_toolChoiceNoneWithToolHistory_keepsTheToolsBedrockRequires() {
        ConverseStreamRequest converse = map("""
                {"model":"m","tools":[%s],"tool_choice":"none","messages":[{"role":"user","content":"Paris?"},
                  {"role":"assistant","tool_calls":[{"id":"t1","type":"function",
                    "function":{"name":"get_weather","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"t1","content":"18C"}]}""".formatted(WEATHER_TOOL));
        assertThat(converse.toolConfig().tools()).hasSize(1);
        assertThat(converse.toolConfig().toolChoice()).isNull();
    }

    @Test
    void toConverseStream_toolWithoutParameters_getsAnEmptyObjectSchema() {
        ConverseStreamRequest converse = map("""
                {"model":"m","tools":[{"type":"function","function":{"name":"now"}}],
                 "messages":[{"role":"user","content":"Time?"}]}""");
        assertThat(JsonDocuments.toJson(converse.toolConfig()
                        .tools()
                        .get(0)
                        .toolSpec()
                        .inputSchema()
                        .json()))
                .isEqualTo(json("{\"type\":\"object\",\"properties\":{}}"));
    }

    @Test
    void toConverseStream_jsonObject_addsASystemInstruction() {
        ConverseStreamRequest converse = map("""
                {"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(converse.system())
                .extracting(SystemContentBlock::text)
                .containsExactly(BedrockRequestMapper.JSON_OBJECT_INSTRUCTION);
        assertThat(converse.toolConfig()).isNull();
    }

    @Test
    void toConverseStream_jsonSchemaBesideCallerTools_requiresSomeTool() {
        BedrockRequestMapper.Mapped mapped =
                BedrockRequestMapper.toConverseStream(request("""
                {"model":"m","tools":[%s],"response_format":{"type":"json_schema","json_schema":{"name":"bad name!",
                  "schema":{"type":"object"}}},"messages":[{"role":"user","content":"Hi"}]}""".formatted(WEATHER_TOOL)), MODEL);
        assertThat(mapped.responseToolName()).isEqualTo(BedrockRequestMapper.DEFAULT_RESPONSE_TOOL);
        assertThat(mapped.request().toolConfig().tools())
                .extracting(tool -> tool.toolSpec().name())
                .containsExactly("get_weather", "json_response");
        assertThat(mapped.request().toolConfig().toolChoice().type()).isEqualTo(ToolChoice.Type.ANY);
    }

    @Test
    void toConverseStream_jsonSchemaNamedLikeACallerTool_isRejected() {
        GatewayException error = failure("""
                {"model":"m","tools":[%s],"response_format":{"type":"json_schema","json_schema":{"name":"get_weather",
                  "schema":{"type":"object"}}},"messages":[{"role":"user","content":"Hi"}]}""".formatted(WEATHER_TOOL));
        assertThat(error.param()).isEqualTo("response_format.json_schema.name");
    }

    @Test
    void toConverseStream_inlineJpeg_becomesAnImageBlock() {
        ConverseStreamRequest converse = map("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is it?"},
                  {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}]}""");
        ContentBlock image = converse.messages().get(0).content().get(1);
        assertThat(image.image().format()).isEqualTo(ImageFormat.JPEG);
        assertThat(image.image().source().bytes().asByteArray()).hasSize(6);
    }

    @Test
    void toConverseStream_remoteImage_isRejectedAsUnsupported() {
        GatewayException error = failure("""
                {"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""");
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(error.param()).isEqualTo("messages[1].content");
    }

    @Test
    void toConverseStream_imageOfAnotherFormat_isRejected() {
        GatewayException error = failure("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}""");
        assertThat(error.param()).isEqualTo("messages[0].content[0].image_url");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {"\"n\":2|n", "\"logprobs\":true|logprobs"})
    void toConverseStream_shapeChangingParameters_areRejected(String field, String param) {
        GatewayException error =
                failure("{\"model\":\"m\"," + field + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(error.param()).isEqualTo(param);
    }

    @Test
    void toConverseStream_toolArgumentsThatAreNotJson_areRejected() {
        GatewayException error = failure("""
                {"model":"m","messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[
                  {"id":"t1","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}""");
        assertThat(error.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void jsonDocuments_roundTrip_keepsEveryJsonType() {
        JsonNode original = json("""
                {"int":7,"big":123456789012345678901234567890,"decimal":0.125,"text":"x","yes":true,"none":null,
                 "list":[1,"two",{"three":[3.5]}]}""");
        assertThat(JsonDocuments.toJson(JsonDocuments.toDocument(original))).isEqualTo(original);
    }

    private static ConverseStreamRequest map(String json) {
        return BedrockRequestMapper.toConverseStream(request(json), MODEL).request();
    }

    private static GatewayException failure(String json) {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> map(json));
        assertThat(error).as("the mapping must fail").isNotNull();
        return error;
    }

    private static ChatRequest request(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
