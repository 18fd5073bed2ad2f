package dev.sluice.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI chat requests to Gemini's GenerateContentRequest, without a network. */
class GeminiRequestMapperTest {
    private static final Deployment FLASH_25 = deployment("gemini-2.5-flash");
    private static final Deployment FLASH_3 = deployment("gemini-3-flash-preview");

    private static Deployment deployment(String model) {
        return new Deployment(GeminiProvider.TYPE, model, null, "gemini", Pricing.FREE, null);
    }

    private static ObjectNode map(String json) {
        return map(json, FLASH_25);
    }

    private static ObjectNode map(String json, Deployment deployment) {
        return GeminiRequestMapper.toGenerateContent(
                ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8)), deployment);
    }

    private static GatewayException failure(String json) {
        GatewayException error = catchThrowableOfType(GatewayException.class, () -> map(json));
        assertThat(error).as("the mapping must fail").isNotNull();
        assertThat(error.status()).isEqualTo(400);
        return error;
    }

    private static JsonNode json(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void systemAndDeveloperMessages_becomeTheSystemInstruction() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"system","content":"Be terse."},
                 {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                 {"role":"user","content":"Hi"}]}""");

        assertThat(body.get("systemInstruction")).isEqualTo(json("""
                {"parts":[{"text":"Be terse."},{"text":"Answer in French."}]}"""));
        assertThat(body.get("contents")).isEqualTo(json("""
                [{"role":"user","parts":[{"text":"Hi"}]}]"""));
        assertThat(body.has("generationConfig")).isFalse();
    }

    @Test
    void consecutiveTurnsOfOneRole_areMerged_andEmptyAssistantTurnsDropped() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"One"},{"role":"user","content":"Two"},
                 {"role":"assistant","content":""},{"role":"assistant","content":"Three"},
                 {"role":"assistant","content":[{"type":"text","text":"Four"}]}]}""");

        assertThat(body.get("contents")).isEqualTo(json("""
                [{"role":"user","parts":[{"text":"One"},{"text":"Two"}]},
                 {"role":"model","parts":[{"text":"Three"},{"text":"Four"}]}]"""));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "https://example.com/cat.png, image/png",
        "https://example.com/cat.WEBP?size=2, image/webp",
        "https://example.com/a.gif#x, image/gif",
        "gs://bucket/photo.jpg, image/jpeg",
        "https://example.com/photo, image/jpeg"
    })
    void remoteImages_becomeFileData_withAGuessedMimeType(String url, String mimeType) {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"%s"}}]}]}""".formatted(url));

        assertThat(body.at("/contents/0/parts/0")).isEqualTo(json("""
                {"fileData":{"mimeType":"%s","fileUri":"%s"}}""".formatted(mimeType, url)));
    }

    @Test
    void inlineAudioAndPdf_becomeInlineData() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
                  {"type":"file","file":{"filename":"a.pdf",
                    "file_data":"data:application/pdf;base64,JVBERi0="}}]}]}""");

        assertThat(body.at("/contents/0/parts")).isEqualTo(json("""
                [{"inlineData":{"mimeType":"audio/wav","data":"UklGRg=="}},
                 {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}}]"""));
    }

    @Test
    void toolResults_areNamedByTheirCall_mergedIntoOneUserTurn_andJsonObjectsPassedAsResponses() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"Weather and time in Paris?"},
                 {"role":"assistant","content":"Checking.","tool_calls":[
                   {"id":"call_a","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                   {"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},
                 {"role":"tool","tool_call_id":"call_b","content":"{\\"time\\":\\"12:00\\"}"},
                 {"role":"tool","tool_call_id":"call_a","content":[{"type":"text","text":"sunny"}]}]}""");

        assertThat(body.get("contents")).isEqualTo(json("""
                [{"role":"user","parts":[{"text":"Weather and time in Paris?"}]},
                 {"role":"model","parts":[{"text":"Checking."},
                   {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
                   {"functionCall":{"name":"get_time","args":{}}}]},
                 {"role":"user","parts":[
                   {"functionResponse":{"name":"get_time","response":{"time":"12:00"}}},
                   {"functionResponse":{"name":"get_weather","response":{"content":"sunny"}}}]}]"""));
    }

    @Test
    void toolResultForAnUnknownCall_isRejectedNamingTheMessage() {
        GatewayException error = failure("""
                {"model":"m","messages":[{"role":"user","content":"Hi"},
                 {"role":"tool","tool_call_id":"call_missing","content":"x"}]}""");

        assertThat(error.param()).isEqualTo("messages[1].tool_call_id");
    }

    @Test
    void toolCallArgumentsThatAreNotAJsonObject_areRejected() {
        GatewayException error = failure("""
                {"model":"m","messages":[{"role":"user","content":"Hi"},
                 {"role":"assistant","tool_calls":[{"id":"c","type":"function",
                   "function":{"name":"f","arguments":"not json"}}]}]}""");

        assertThat(error.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void gemini3_replayedCallsWithoutSignature_getTheDocumentedSkipSignatureOnTheFirstCallOnly() {
        String request = """
                {"model":"m","messages":[{"role":"user","content":"Hi"},
                 {"role":"assistant","tool_calls":[
                   {"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},
                   {"id":"c2","type":"function","function":{"name":"g","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"c1","content":"1"},{"role":"tool","tool_call_id":"c2","content":"2"},
                 {"role":"assistant","tool_calls":[{"id":"c3","type":"function",
                   "function":{"name":"f","arguments":"{}"},
                   "extra_content":{"google":{"thought_signature":"c2lnbmF0dXJl"}}}]},
                 {"role":"tool","tool_call_id":"c3","content":"3"}]}""";

        ObjectNode gemini3 = map(request, FLASH_3);
        assertThat(gemini3.at("/contents/1/parts/0/thoughtSignature").asText())
                .isEqualTo(GeminiRequestMapper.SKIP_SIGNATURE);
        assertThat(gemini3.at("/contents/1/parts/1").has("thoughtSignature")).isFalse();
        assertThat(gemini3.at("/contents/3/parts/0/thoughtSignature").asText()).isEqualTo("c2lnbmF0dXJl");

        ObjectNode gemini25 = map(request, FLASH_25);
        assertThat(gemini25.at("/contents/1/parts/0").has("thoughtSignature")).isFalse();
        assertThat(gemini25.at("/contents/3/parts/0/thoughtSignature").asText()).isEqualTo("c2lnbmF0dXJl");
    }

    @Test
    void toolParameters_loseTheJsonSchemaKeywordsGeminiRejects() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],
                 "tools":[{"type":"function","function":{"name":"book","strict":true,"parameters":{
                   "$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
                   "additionalProperties":false,
                   "properties":{
                     "when":{"type":"string","format":"date-time"},
                     "site":{"type":"string","format":"uri","minLength":3},
                     "guests":{"type":["integer","null"],"minimum":1,"exclusiveMaximum":10},
                     "kind":{"enum":[1,2,null]},
                     "mode":{"const":"fast"},
                     "address":{"$ref":"#/$defs/Address","description":"Where"},
                     "notes":{"anyOf":[{"type":"string"},{"type":"null"}]}},
                   "required":["when"],
                   "$defs":{"Address":{"type":"object","additionalProperties":false,
                     "properties":{"street":{"type":"string"}}}}}}}]}""");

        assertThat(body.at("/tools/0/functionDeclarations/0")).isEqualTo(json("""
                {"name":"book","parameters":{"type":"object","required":["when"],"properties":{
                   "when":{"type":"string","format":"date-time"},
                   "site":{"type":"string","minLength":3},
                   "guests":{"type":"integer","nullable":true,"minimum":1},
                   "kind":{"type":"string","enum":["1","2"]},
                   "mode":{"type":"string","enum":["fast"]},
                   "address":{"type":"object","properties":{"street":{"type":"string"}},"description":"Where"},
                   "notes":{"nullable":true,"type":"string"}}}}"""));
    }

    @Test
    void aFunctionWithoutParameters_omitsThem() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],
                 "tools":[{"type":"function",
                   "function":{"name":"now","parameters":{"type":"object","properties":{}}}}]}""");

        assertThat(body.at("/tools/0/functionDeclarations/0")).isEqualTo(json("{\"name\":\"now\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "\"none\"| {\"mode\":\"NONE\"}",
                "\"auto\"| {\"mode\":\"AUTO\"}",
                "\"required\"| {\"mode\":\"ANY\"}",
                "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"
                        + "| {\"mode\":\"ANY\",\"allowedFunctionNames\":[\"f\"]}"
            })
    void toolChoice_becomesTheFunctionCallingMode(String toolChoice, String config) {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],
                 "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":%s}""".formatted(toolChoice));

        assertThat(body.at("/toolConfig/functionCallingConfig")).isEqualTo(json(config));
    }

    @Test
    void jsonObjectMode_asksForJsonWithoutASchema() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}}""");

        assertThat(body.get("generationConfig")).isEqualTo(json("{\"responseMimeType\":\"application/json\"}"));
    }

    @Test
    void droppedHints_andTheOpenAiFieldsThemselves_neverReachGemini() {
        ObjectNode body = map("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],"user":"u","presence_penalty":1,
                 "frequency_penalty":1,"logit_bias":{"1":2},"store":true,"metadata":{"a":"b"},
                 "reasoning_effort":"low","parallel_tool_calls":false,"stream":true,
                 "stream_options":{"include_usage":true},"max_tokens":12}""");

        assertThat(body.properties())
                .extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("contents", "generationConfig");
        assertThat(body.get("generationConfig")).isEqualTo(json("{\"maxOutputTokens\":12}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "\"n\":2| n",
                "\"logprobs\":true| logprobs",
                "\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]| tools[0].type"
            })
    void shapeChangingParameters_areRejected(String field, String param) {
        GatewayException error = failure("""
                {"model":"m","messages":[{"role":"user","content":"Hi"}],%s}""".formatted(field));

        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(error.param()).isEqualTo(param);
    }

    @Test
    void modelPath_prefixesPlainNames_andKeepsResourceNames() {
        assertThat(GeminiRequestMapper.modelPath("gemini-2.5-flash")).isEqualTo("models/gemini-2.5-flash");
        assertThat(GeminiRequestMapper.modelPath("tunedModels/my-model")).isEqualTo("tunedModels/my-model");
    }

    @Test
    void batchEmbed_namesTheModelPerRequest_andAsksForDimensionsOnlyWhenGiven() {
        assertThat(GeminiRequestMapper.toBatchEmbed("models/e", List.of("a", "b"), 256))
                .isEqualTo(json("""
                {"requests":[
                  {"model":"models/e","content":{"parts":[{"text":"a"}]},"outputDimensionality":256},
                  {"model":"models/e","content":{"parts":[{"text":"b"}]},"outputDimensionality":256}]}"""));
        assertThat(GeminiRequestMapper.toBatchEmbed("models/e", List.of("a"), 0))
                .isEqualTo(json("""
                {"requests":[{"model":"models/e","content":{"parts":[{"text":"a"}]}}]}"""));
    }
}
