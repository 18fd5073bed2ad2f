package dev.sluice.inbound.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicMessagesRequestTest {

    private static AnthropicMessagesRequest parse(String json) {
        return AnthropicMessagesRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode openAi(String json) {
        return parse(json).toChatRequest().body();
    }

    private static JsonNode json(String text) throws IOException {
        return Json.read(text);
    }

    @Test
    void parse_minimalRequest_keepsModelStreamAndMaxTokens() throws IOException {
        AnthropicMessagesRequest request = parse("""
                {"model":"claude-alias","max_tokens":256,"messages":[{"role":"user","content":"hi"}],
                 "unknown_field":{"x":1},"thinking":{"type":"enabled","budget_tokens":1024}}""");

        assertThat(request.model()).isEqualTo("claude-alias");
        assertThat(request.stream()).isFalse();
        ChatRequest chat = request.toChatRequest();
        assertThat(chat.model()).isEqualTo("claude-alias");
        assertThat(chat.stream()).isFalse();
        assertThat(chat.includeUsage()).isFalse();
        assertThat(chat.body()).isEqualTo(json("""
                {"model":"claude-alias","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":256,
                 "stream":false}"""));
    }

    @Test
    void parse_streaming_asksForUsage() {
        ChatRequest chat = parse("""
                {"model":"m","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"hi"}]}""").toChatRequest();

        assertThat(chat.stream()).isTrue();
        assertThat(chat.includeUsage()).isTrue();
        assertThat(chat.body().path("stream_options").path("include_usage").asBoolean())
                .isTrue();
    }

    @Test
    void parse_systemString_becomesTheFirstMessage() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"system":"be brief","messages":[{"role":"user","content":"hi"}]}""");

        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]"""));
    }

    @Test
    void parse_systemTextBlocks_areJoinedIgnoringCacheControl() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
                 "system":[{"type":"text","text":"You are a CLI."},
                           {"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}]}""");

        assertThat(body.get("messages").get(0)).isEqualTo(json("""
                {"role":"system","content":"You are a CLI.\\n\\nBe brief."}"""));
    }

    @Test
    void parse_textAndImageBlocks_becomeContentParts() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
                  {"type":"text","text":"what is this?"},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]}""");

        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[
                  {"type":"text","text":"what is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]"""));
    }

    @Test
    void parse_singleTextBlock_becomesPlainContent() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""");

        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":"hi"}]"""));
    }

    @Test
    void parse_toolUseAndToolResult_becomeToolCallsAndToolMessages() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[
                  {"role":"user","content":"weather in Paris and Rome?"},
                  {"role":"assistant","content":[
                    {"type":"thinking","thinking":"two cities","signature":"sig"},
                    {"type":"redacted_thinking","data":"abc"},
                    {"type":"text","text":"Checking."},
                    {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}},
                    {"type":"tool_use","id":"toolu_2","name":"weather","input":{"city":"Rome","unit":"C"}}]},
                  {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
                    {"type":"tool_result","tool_use_id":"toolu_2","is_error":true,
                     "content":[{"type":"text","text":"station offline"}]},
                    {"type":"text","text":"thanks"}]}]}""");

        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":"weather in Paris and Rome?"},
                 {"role":"assistant","content":"Checking.","tool_calls":[
                   {"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                   {"id":"toolu_2","type":"function",
                    "function":{"name":"weather","arguments":"{\\"city\\":\\"Rome\\",\\"unit\\":\\"C\\"}"}}]},
                 {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
                 {"role":"tool","tool_call_id":"toolu_2","content":"Error: station offline"},
                 {"role":"user","content":"thanks"}]"""));
    }

    @Test
    void parse_assistantWithOnlyToolUse_hasNullContent() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"go"},
                  {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"run","input":{}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t"}]}]}""");

        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":"go"},
                 {"role":"assistant","content":null,"tool_calls":[
                   {"id":"t","type":"function","function":{"name":"run","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"t","content":""}]"""));
    }

    @Test
    void parse_toolResultWithImage_movesTheImageToAUserMessage() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"shoot"},
                  {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"screenshot","input":{}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[
                    {"type":"text","text":"captured"},
                    {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]}]}]}""");

        assertThat(body.get("messages").get(2)).isEqualTo(json("""
                {"role":"tool","tool_call_id":"t","content":"captured"}"""));
        assertThat(body.get("messages").get(3)).isEqualTo(json("""
                {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/"}}]}"""));
    }

    @Test
    void parse_assistantWithOnlyThinking_isSkipped_andEmptyFinalAssistantIsDropped() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"}]},
                  {"role":"user","content":"b"},{"role":"assistant","content":""}]}""");

        assertThat(body.get("messages")).isEqualTo(json("""
                [{"role":"user","content":"a"},{"role":"user","content":"b"}]"""));
    }

    @Test
    void parse_assistantPrefill_isKeptAsTheLastMessage() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"},
                  {"role":"assistant","content":"{\\"answer\\":"}]}""");

        assertThat(body.get("messages").get(1)).isEqualTo(json("""
                {"role":"assistant","content":"{\\"answer\\":"}"""));
    }

    @Test
    void parse_tools_becomeFunctionTools() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
                 "tools":[{"name":"weather","description":"Current weather",
                           "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
                           "cache_control":{"type":"ephemeral"}},
                          {"type":"custom","name":"noop","input_schema":{"type":"object"}}]}""");

        assertThat(body.get("tools")).isEqualTo(json("""
                [{"type":"function","function":{"name":"weather","description":"Current weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                 {"type":"function","function":{"name":"noop","parameters":{"type":"object"}}}]"""));
        assertThat(body.has("tool_choice")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"type":"auto"}                                        | "auto"
            {"type":"any"}                                         | "required"
            {"type":"none"}                                        | "none"
            {"type":"tool","name":"weather"}                       | {"type":"function","function":{"name":"weather"}}
            """)
    void parse_toolChoice_mapsToOpenAi(String choice, String expected) throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
                 "tools":[{"name":"weather","input_schema":{"type":"object"}}],"tool_choice":%s}""".formatted(choice));

        assertThat(body.get("tool_choice")).isEqualTo(json(expected));
        assertThat(body.has("parallel_tool_calls")).isFalse();
    }

    @Test
    void parse_disableParallelToolUse_setsParallelToolCallsFalse() {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
                 "tools":[{"name":"weather","input_schema":{"type":"object"}}],
                 "tool_choice":{"type":"any","disable_parallel_tool_use":true}}""");

        assertThat(body.get("tool_choice").asText()).isEqualTo("required");
        assertThat(body.get("parallel_tool_calls").asBoolean(true)).isFalse();
    }

    @Test
    void parse_toolChoiceWithoutTools_isLeftOut() {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
                 "tool_choice":{"type":"none","disable_parallel_tool_use":true}}""");

        assertThat(body.has("tool_choice")).isFalse();
        assertThat(body.has("parallel_tool_calls")).isFalse();
    }

    @Test
    void parse_samplingStopAndMetadata_areTranslated_topKDropped() throws IOException {
        JsonNode body = openAi("""
                {"model":"m","max_tokens":100,"messages":[{"role":"user","content":"hi"}],
                 "temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["\\n\\nHuman:","END"],
                 "metadata":{"user_id":"u-42"}}""");

        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(100);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(body.get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.has("top_k")).isFalse();
        assertThat(body.get("stop")).isEqualTo(json("[\"\\n\\nHuman:\",\"END\"]"));
        assertThat(body.get("user").asText()).isEqualTo("u-42");
        assertThat(body.has("metadata")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON        | {"model":                                                                          |                                | could not parse
            not an object         | [1]                                                                                |                                | JSON object
            missing model         | {"max_tokens":1,"messages":[{"role":"user","content":"x"}]}                        | model                          | Missing required parameter: 'model'
            model wrong type      | {"model":1,"max_tokens":1,"messages":[{"role":"user","content":"x"}]}              | model                          | Invalid type for 'model'
            blank model           | {"model":"","max_tokens":1,"messages":[{"role":"user","content":"x"}]}             | model                          | must not be empty
            missing max_tokens    | {"model":"m","messages":[{"role":"user","content":"x"}]}                           | max_tokens                     | Missing required parameter: 'max_tokens'
            max_tokens string     | {"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]}          | max_tokens                     | Invalid type for 'max_tokens'
            max_tokens decimal    | {"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"x"}]}          | max_tokens                     | Invalid type for 'max_tokens'
            max_tokens zero       | {"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}            | max_tokens                     | at least 1
            stream wrong type     | {"model":"m","max_tokens":1,"stream":"y","messages":[{"role":"user","content":"x"}]} | stream                       | Invalid type for 'stream'
            missing messages      | {"model":"m","max_tokens":1}                                                       | messages                       | Missing required parameter: 'messages'
            messages not array    | {"model":"m","max_tokens":1,"messages":{}}                                         | messages                       | Invalid type for 'messages'
            empty messages        | {"model":"m","max_tokens":1,"messages":[]}                                         | messages                       | at least one message
            message not object    | {"model":"m","max_tokens":1,"messages":["x"]}                                      | messages[0]                    | Invalid type
            missing role          | {"model":"m","max_tokens":1,"messages":[{"content":"x"}]}                          | messages[0].role               | Missing required parameter
            system role           | {"model":"m","max_tokens":1,"messages":[{"role":"system","content":"x"}]}          | messages[0].role               | user' and 'assistant'
            missing content       | {"model":"m","max_tokens":1,"messages":[{"role":"user"}]}                          | messages[0].content            | Missing required parameter
            content wrong type    | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":3}]}              | messages[0].content            | Invalid type
            empty user content    | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[]}]}             | messages[0].content            | must not be empty
            empty middle assistant| {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":""},{"role":"user","content":"y"}]} | messages[1].content | must not be empty
            block not object      | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":["x"]}]}          | messages[0].content[0]         | Invalid type
            block without type    | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"text":"x"}]}]} | messages[0].content[0].type    | Missing required parameter
            text without text     | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text"}]}]} | messages[0].content[0].text | Missing required parameter
            document block        | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","data":"x"}}]}]} | messages[0].content[0].type | document' content block is not supported
            unknown block         | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"search_result"}]}]} | messages[0].content[0].type | search_result' content block is not supported
            tool_use from user    | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"n","input":{}}]}]} | messages[0].content[0].type | not allowed in user messages
            image from assistant  | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"image","source":{"type":"url","url":"u"}}]}]} | messages[1].content[0].type | not allowed in assistant messages
            image without source  | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image"}]}]} | messages[0].content[0].source | Missing required parameter
            image source kind     | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"ftp"}}]}]} | messages[0].content[0].source.type | base64' and 'url'
            image from Files API  | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]} | messages[0].content[0].source.type | not supported
            base64 without type   | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"x"}}]}]} | messages[0].content[0].source.media_type | Missing required parameter
            url image without url | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url"}}]}]} | messages[0].content[0].source.url | Missing required parameter
            tool_result no id     | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]} | messages[0].content[0].tool_use_id | Missing required parameter
            tool_result bad flag  | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":"y"}]}]} | messages[0].content[0].is_error | Invalid type
            tool_result content   | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":5}]}]} | messages[0].content[0].content | Invalid type
            tool_result document  | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"document"}]}]}]} | messages[0].content[0].content[0].type | not supported
            tool_use without id   | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"tool_use","name":"n","input":{}}]}]} | messages[1].content[0].id | Missing required parameter
            tool_use without name | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"tool_use","id":"t","input":{}}]}]} | messages[1].content[0].name | Missing required parameter
            tool_use input array  | {"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":[]}]}]} | messages[1].content[0].input | Invalid type
            system wrong type     | {"model":"m","max_tokens":1,"system":5,"messages":[{"role":"user","content":"x"}]} | system                         | Invalid type for 'system'
            system image block    | {"model":"m","max_tokens":1,"system":[{"type":"image"}],"messages":[{"role":"user","content":"x"}]} | system[0].type | text blocks only
            system block no text  | {"model":"m","max_tokens":1,"system":[{"type":"text"}],"messages":[{"role":"user","content":"x"}]} | system[0].text | Missing required parameter
            temperature too high  | {"model":"m","max_tokens":1,"temperature":1.5,"messages":[{"role":"user","content":"x"}]} | temperature            | between 0 and 1
            temperature string    | {"model":"m","max_tokens":1,"temperature":"hot","messages":[{"role":"user","content":"x"}]} | temperature          | Invalid type
            top_p negative        | {"model":"m","max_tokens":1,"top_p":-0.1,"messages":[{"role":"user","content":"x"}]} | top_p                        | between 0 and 1
            top_k decimal         | {"model":"m","max_tokens":1,"top_k":1.5,"messages":[{"role":"user","content":"x"}]} | top_k                         | Invalid type
            top_k negative        | {"model":"m","max_tokens":1,"top_k":-1,"messages":[{"role":"user","content":"x"}]} | top_k                          | at least 0
            stop_sequences string | {"model":"m","max_tokens":1,"stop_sequences":"END","messages":[{"role":"user","content":"x"}]} | stop_sequences     | Invalid type
            stop_sequences item   | {"model":"m","max_tokens":1,"stop_sequences":["a",1],"messages":[{"role":"user","content":"x"}]} | stop_sequences[1] | Invalid type
            metadata wrong type   | {"model":"m","max_tokens":1,"metadata":"u","messages":[{"role":"user","content":"x"}]} | metadata                   | Invalid type
            user_id wrong type    | {"model":"m","max_tokens":1,"metadata":{"user_id":7},"messages":[{"role":"user","content":"x"}]} | metadata.user_id | Invalid type
            tools not array       | {"model":"m","max_tokens":1,"tools":{},"messages":[{"role":"user","content":"x"}]} | tools                          | Invalid type
            tool not object       | {"model":"m","max_tokens":1,"tools":["t"],"messages":[{"role":"user","content":"x"}]} | tools[0]                    | Invalid type
            server tool           | {"model":"m","max_tokens":1,"tools":[{"name":"a","input_schema":{}},{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"x"}]} | tools[1] | web_search_20250305' is not supported
            tool without name     | {"model":"m","max_tokens":1,"tools":[{"input_schema":{}}],"messages":[{"role":"user","content":"x"}]} | tools[0].name | Missing required parameter
            tool without schema   | {"model":"m","max_tokens":1,"tools":[{"name":"a"}],"messages":[{"role":"user","content":"x"}]} | tools[0].input_schema | Missing required parameter
            tool schema not object| {"model":"m","max_tokens":1,"tools":[{"name":"a","input_schema":"x"}],"messages":[{"role":"user","content":"x"}]} | tools[0].input_schema | Invalid type
            tool description type | {"model":"m","max_tokens":1,"tools":[{"name":"a","description":1,"input_schema":{}}],"messages":[{"role":"user","content":"x"}]} | tools[0].description | Invalid type
            tool_choice string    | {"model":"m","max_tokens":1,"tool_choice":"auto","messages":[{"role":"user","content":"x"}]} | tool_choice          | Invalid type
            tool_choice no type   | {"model":"m","max_tokens":1,"tool_choice":{},"messages":[{"role":"user","content":"x"}]} | tool_choice.type         | Missing required parameter
            tool_choice bad type  | {"model":"m","max_tokens":1,"tool_choice":{"type":"all"},"messages":[{"role":"user","content":"x"}]} | tool_choice.type | Invalid value
            tool_choice no name   | {"model":"m","max_tokens":1,"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"x"}]} | tool_choice.name | Missing required parameter
            parallel flag type    | {"model":"m","max_tokens":1,"tool_choice":{"type":"auto","disable_parallel_tool_use":1},"messages":[{"role":"user","content":"x"}]} | tool_choice.disable_parallel_tool_use | Invalid type
            """)
    void parse_badInput_isA400NamingTheParameter(String name, String json, String param, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.type()).isEqualTo("invalid_request_error");
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.getMessage()).contains(message);
        });
    }
}
