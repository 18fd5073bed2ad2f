package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.error.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatRequestTest {

    private static ChatRequest parse(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parse_validStreamingRequest_readsTheFieldsTheGatewayActsOn() {
        ChatRequest request = parse("""
                {"model":"demo","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}],
                 "x_custom":"kept"}""");

        assertThat(request.model()).isEqualTo("demo");
        assertThat(request.stream()).isTrue();
        assertThat(request.includeUsage()).isTrue();
        assertThat(request.lastUserText()).isEqualTo("hi there");
        assertThat(request.body().get("x_custom").asText()).isEqualTo("kept");
    }

    @Test
    void parse_contentParts_flattensTextForTheLastUserMessage() {
        ChatRequest request = parse("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},
                 {"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"b"}]}]}""");

        assertThat(request.stream()).isFalse();
        assertThat(request.lastUserText()).isEqualTo("a b");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON          | {"model":                                                    |              | could not parse
            not an object           | [1,2]                                                        |              | JSON object
            empty body              | ' '                                                          |              | empty
            missing model           | {"messages":[{"role":"user","content":"x"}]}                 | model        | Missing required parameter: 'model'
            model wrong type        | {"model":7,"messages":[{"role":"user","content":"x"}]}       | model        | Invalid type for 'model'
            blank model             | {"model":" ","messages":[{"role":"user","content":"x"}]}     | model        | must not be empty
            missing messages        | {"model":"m"}                                                | messages     | Missing required parameter: 'messages'
            messages not array      | {"model":"m","messages":"hi"}                                | messages     | Invalid type for 'messages'
            empty messages          | {"model":"m","messages":[]}                                  | messages     | at least one message
            message not object      | {"model":"m","messages":["hi"]}                              | messages[0]  | Invalid type
            missing role            | {"model":"m","messages":[{"content":"x"}]}                   | messages[0].role | Missing required parameter
            unknown role            | {"model":"m","messages":[{"role":"wizard","content":"x"}]}   | messages[0].role | Invalid value
            missing user content    | {"model":"m","messages":[{"role":"user"}]}                   | messages[0].content | Missing required parameter
            content wrong type      | {"model":"m","messages":[{"role":"user","content":5}]}       | messages[0].content | Invalid type
            stream wrong type       | {"model":"m","stream":"yes","messages":[{"role":"user","content":"x"}]} | stream | Invalid type for 'stream'
            stream_options wrong    | {"model":"m","stream_options":1,"messages":[{"role":"user","content":"x"}]} | stream_options | Invalid type
            include_usage wrong     | {"model":"m","stream_options":{"include_usage":"y"},"messages":[{"role":"user","content":"x"}]} | stream_options.include_usage | Invalid type
            max_tokens wrong type   | {"model":"m","max_tokens":"10","messages":[{"role":"user","content":"x"}]} | max_tokens | Invalid type
            max_tokens zero         | {"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]} | max_tokens | at least 1
            temperature too high    | {"model":"m","temperature":3,"messages":[{"role":"user","content":"x"}]} | temperature | between 0 and 2
            top_p wrong type        | {"model":"m","top_p":"1","messages":[{"role":"user","content":"x"}]} | top_p | Invalid type
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
