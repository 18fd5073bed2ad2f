package dev.sluice.inbound.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.error.RetriableUpstreamException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.testing.RecordingChannel;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicMessagesRelayTest {

    private final RecordingChannel channel = new RecordingChannel();

    private AnthropicMessagesRelay relay(boolean stream) {
        return relay(channel, stream);
    }

    private static AnthropicMessagesRelay relay(RecordingChannel channel, boolean stream) {
        return new AnthropicMessagesRelay(channel, "msg_req-1", "claude-alias", stream);
    }

    /** One SSE event as the client reads it; the {@code event:} line must match the data's {@code type}. */
    private record Event(String name, JsonNode data) {}

    private static List<Event> events(RecordingChannel channel) {
        List<Event> events = new ArrayList<>();
        String body = channel.bodyText();
        assertThat(body).endsWith("\n\n");
        for (String frame : body.split("\n\n")) {
            String[] lines = frame.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            Event event = new Event(lines[0].substring(7), json(lines[1].substring(6)));
            assertThat(event.data().path("type").asText()).isEqualTo(event.name());
            events.add(event);
        }
        return events;
    }

    private static JsonNode json(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> data(List<Event> events) {
        return events.stream().map(Event::data).toList();
    }

    private static final String MESSAGE_START = """
            {"type":"message_start","message":{"id":"msg_req-1","type":"message","role":"assistant",
             "model":"claude-alias","content":[],"stop_reason":null,"stop_sequence":null,
             "usage":{"input_tokens":0,"output_tokens":0}}}""";
    private static final String PING = "{\"type\":\"ping\"}";
    private static final String MESSAGE_STOP = "{\"type\":\"message_stop\"}";

    private static List<JsonNode> expected(String... events) {
        return Arrays.stream(events).map(AnthropicMessagesRelayTest::json).toList();
    }

    private static StreamChunk text(String text) {
        return StreamChunk.of(new StreamDelta.Text(0, text));
    }

    private static StreamChunk reasoning(String text) {
        return StreamChunk.of(new StreamDelta.Reasoning(0, text));
    }

    private static StreamChunk finish(String reason) {
        return StreamChunk.of(new StreamDelta.Finish(0, reason));
    }

    /** A tool-call fragment as OpenAI streams it: index, then id and name only in the first one. */
    private static StreamChunk toolCall(int index, String id, String name, String arguments) {
        List<StreamDelta> deltas = new ArrayList<>();
        if (id != null || name != null) {
            deltas.add(new StreamDelta.ToolCallStart(0, index, id, name, null));
        }
        if (!arguments.isEmpty()) {
            deltas.add(new StreamDelta.ToolCallArguments(0, index, arguments));
        }
        return new StreamChunk(deltas, null);
    }

    @Test
    void stream_text_sendsTheDocumentedEventSequence() {
        AnthropicMessagesRelay relay = relay(true);

        relay.onChunk(StreamChunk.start());
        assertThat(relay.hasStarted())
                .as("a role-only chunk is held until output, to keep failover open")
                .isFalse();
        relay.onChunk(text("Hel"));
        assertThat(relay.hasStarted()).isTrue();
        relay.onChunk(text("lo"));
        relay.onChunk(finish("stop"));
        relay.complete(TokenUsage.of(12, 3));

        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.streamed).isTrue();
        assertThat(channel.headers).containsEntry("Content-Type", "text/event-stream; charset=utf-8");
        List<Event> events = events(channel);
        assertThat(channel.flushes).hasSize(events.size());
        assertThat(data(events))
                .containsExactlyElementsOf(expected(MESSAGE_START, PING, """
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", """
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}""", """
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}""", """
                {"type":"content_block_stop","index":0}""", """
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
                 "usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                          "output_tokens":3}}""", MESSAGE_STOP));
        assertThat(channel.bodyText()).startsWith("event: message_start\ndata: {");
    }

    @Test
    void stream_thinkingThenText_sendsAThinkingBlockThenATextBlock() {
        AnthropicMessagesRelay relay = relay(true);

        relay.onChunk(reasoning("Let me"));
        relay.onChunk(reasoning(" think."));
        relay.onChunk(text("42"));
        relay.onChunk(finish("stop"));
        relay.complete(TokenUsage.of(5, 9));

        assertThat(data(events(channel)))
                .containsExactlyElementsOf(
                        expected(MESSAGE_START, PING, """
                {"type":"content_block_start","index":0,
                 "content_block":{"type":"thinking","thinking":"","signature":""}}""", """
                {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me"}}""", """
                {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" think."}}""", """
                {"type":"content_block_stop","index":0}""", """
                {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}""", """
                {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"42"}}""", """
                {"type":"content_block_stop","index":1}""", """
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
                 "usage":{"input_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                          "output_tokens":9}}""", MESSAGE_STOP));
    }

    @Test
    void stream_parallelToolCalls_sendOneToolUseBlockEachWithArgumentFragments() {
        AnthropicMessagesRelay relay = relay(true);

        relay.onChunk(text("Checking both."));
        relay.onChunk(toolCall(0, "call_a", "weather", ""));
        relay.onChunk(toolCall(0, null, null, "{\"ci"));
        relay.onChunk(toolCall(0, null, null, "ty\":\"Paris\"}"));
        relay.onChunk(toolCall(1, "call_b", "weather", ""));
        relay.onChunk(toolCall(1, null, null, "{\"city\":\"Rome\"}"));
        relay.onChunk(finish("tool_calls"));
        relay.complete(TokenUsage.of(30, 25));

        assertThat(data(events(channel)))
                .containsExactlyElementsOf(expected(
                        MESSAGE_START, PING, """
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", """
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking both."}}""", """
                {"type":"content_block_stop","index":0}""", """
                {"type":"content_block_start","index":1,
                 "content_block":{"type":"tool_use","id":"call_a","name":"weather","input":{}}}""", """
                {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"ci"}}""", """
                {"type":"content_block_delta","index":1,
                 "delta":{"type":"input_json_delta","partial_json":"ty\\":\\"Paris\\"}"}}""", """
                {"type":"content_block_stop","index":1}""", """
                {"type":"content_block_start","index":2,
                 "content_block":{"type":"tool_use","id":"call_b","name":"weather","input":{}}}""", """
                {"type":"content_block_delta","index":2,
                 "delta":{"type":"input_json_delta","partial_json":"{\\"city\\":\\"Rome\\"}"}}""", """
                {"type":"content_block_stop","index":2}""", """
                {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
                 "usage":{"input_tokens":30,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                          "output_tokens":25}}""", MESSAGE_STOP));
    }

    @Test
    void stream_lateFragmentOfAnEarlierToolCall_goesToThatCallsBlockIndex() {
        AnthropicMessagesRelay relay = relay(true);

        relay.onChunk(toolCall(0, "call_a", "a", "{\"x\":"));
        relay.onChunk(toolCall(1, "call_b", "b", "{}"));
        relay.onChunk(toolCall(0, null, null, "1}"));
        relay.complete(TokenUsage.of(1, 1));

        List<Event> events = events(channel);
        assertThat(events)
                .extracting(
                        event -> event.name() + "#" + event.data().path("index").asText())
                .containsExactly(
                        "message_start#",
                        "ping#",
                        "content_block_start#0",
                        "content_block_delta#0",
                        "content_block_stop#0",
                        "content_block_start#1",
                        "content_block_delta#1",
                        "content_block_delta#0",
                        "content_block_stop#1",
                        "message_delta#",
                        "message_stop#");
        assertThat(accumulate(events).get(0).get("input")).isEqualTo(json("{\"x\":1}"));
    }

    @Test
    void stream_refusal_isSentAsTextWithStopReasonRefusal() {
        AnthropicMessagesRelay relay = relay(true);
        relay.onChunk(StreamChunk.of(new StreamDelta.Refusal(0, "I can't help with that.")));
        relay.onChunk(finish("stop"));
        relay.complete(TokenUsage.of(1, 6));

        List<Event> events = events(channel);
        assertThat(events.get(3).data().path("delta").path("text").asText()).isEqualTo("I can't help with that.");
        assertThat(events.get(events.size() - 2)
                        .data()
                        .path("delta")
                        .path("stop_reason")
                        .asText())
                .isEqualTo("refusal");
    }

    @Test
    void stream_usageWithCachedTokens_reportsInputWithoutTheCachedOnes() {
        AnthropicMessagesRelay relay = relay(true);

        relay.onChunk(text("ok"));
        relay.complete(new TokenUsage(100, 20, 60, 5));

        List<Event> events = events(channel);
        JsonNode messageDelta = events.get(events.size() - 2).data();
        assertThat(messageDelta.get("usage")).isEqualTo(json("""
                {"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":60,
                 "output_tokens":20}"""));
    }

    @Test
    void stream_nothingRelayed_stillSendsAWholeMessage() {
        AnthropicMessagesRelay relay = relay(true);
        assertThat(relay.hasStarted()).isFalse();

        relay.complete(TokenUsage.of(4, 0));

        assertThat(events(channel))
                .extracting(Event::name)
                .containsExactly("message_start", "ping", "message_delta", "message_stop");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "stop, end_turn",
        "length, max_tokens",
        "tool_calls, tool_use",
        "content_filter, refusal",
        "something_new, end_turn"
    })
    void stream_finishReason_mapsToStopReason(String finishReason, String stopReason) {
        AnthropicMessagesRelay relay = relay(true);

        relay.onChunk(text("x"));
        relay.onChunk(finish(finishReason));
        relay.complete(TokenUsage.of(1, 1));

        List<Event> events = events(channel);
        assertThat(events.get(events.size() - 2)
                        .data()
                        .path("delta")
                        .path("stop_reason")
                        .asText())
                .isEqualTo(stopReason);
    }

    @Test
    void stream_errorAfterTheStart_endsWithAnErrorEvent() {
        AnthropicMessagesRelay relay = relay(true);
        relay.onChunk(text("partial"));

        relay.fail(
                new RetriableUpstreamException(
                        503,
                        "upstream_error",
                        "upstream_overloaded",
                        "The provider is overloaded; retry later.",
                        null,
                        2,
                        null),
                "req-1");

        assertThat(channel.status).isEqualTo(200);
        List<Event> events = events(channel);
        assertThat(events)
                .extracting(Event::name)
                .containsExactly("message_start", "ping", "content_block_start", "content_block_delta", "error");
        assertThat(events.get(4).data()).isEqualTo(json("""
                {"type":"error","error":{"type":"overloaded_error",
                 "message":"The provider is overloaded; retry later. (request id: req-1)"},"request_id":"req-1"}"""));
    }

    @Test
    void errorBeforeTheStart_isAnHttpErrorInAnthropicFormat() {
        AnthropicMessagesRelay relay = relay(true);

        relay.fail(GatewayException.rateLimited("Rate limit reached for this key.", 7), "req-1");

        assertThat(relay.hasStarted()).isFalse();
        assertThat(channel.streamed).isFalse();
        assertThat(channel.status).isEqualTo(429);
        assertThat(channel.headers)
                .containsEntry("Content-Type", "application/json")
                .containsEntry("Retry-After", "7");
        assertThat(json(channel.bodyText())).isEqualTo(json("""
                {"type":"error","error":{"type":"rate_limit_error","message":"Rate limit reached for this key."},
                 "request_id":"req-1"}"""));
    }

    @Test
    void stream_clientGone_surfacesAsClientDisconnected() {
        AnthropicMessagesRelay relay = relay(new RecordingChannel(1), true);

        assertThatThrownBy(() -> relay.onChunk(text("x"))).isInstanceOf(ClientDisconnectedException.class);
    }

    @Test
    void wholeMessage_collectsBlocksIntoOneMessage() {
        AnthropicMessagesRelay relay = relay(false);

        UsageMeter meter = new UsageMeter(() -> 5L, 0L);
        ChatStreamListener metered = ChatStreamListener.tee(meter, relay);
        metered.onChunk(StreamChunk.start());
        metered.onChunk(reasoning("Two cities."));
        metered.onChunk(text("Checking "));
        metered.onChunk(text("both."));
        metered.onChunk(toolCall(0, "call_a", "weather", "{\"city\":"));
        metered.onChunk(toolCall(0, null, null, "\"Paris\"}"));
        metered.onChunk(toolCall(1, "call_b", "weather", ""));
        metered.onChunk(toolCall(1, null, null, "{\"city\":\"Rome\",\"days\":[1,2]}"));
        metered.onChunk(toolCall(2, "call_c", "broken", "{\"cut off"));
        metered.onChunk(finish("tool_calls"));
        assertThat(relay.hasStarted()).isFalse();
        relay.complete(new TokenUsage(50, 40, 10, 0));

        assertThat(channel.streamed).isFalse();
        assertThat(channel.status).isEqualTo(200);
        assertThat(channel.headers).containsEntry("Content-Type", "application/json");
        assertThat(json(channel.bodyText())).isEqualTo(json("""
                {"id":"msg_req-1","type":"message","role":"assistant","model":"claude-alias",
                 "content":[
                   {"type":"thinking","thinking":"Two cities.","signature":""},
                   {"type":"text","text":"Checking both."},
                   {"type":"tool_use","id":"call_a","name":"weather","input":{"city":"Paris"}},
                   {"type":"tool_use","id":"call_b","name":"weather","input":{"city":"Rome","days":[1,2]}},
                   {"type":"tool_use","id":"call_c","name":"broken","input":{}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":10,
                          "output_tokens":40}}"""));
        assertThat(meter.outputChars()).isGreaterThan(0);
    }

    @Test
    void wholeMessage_empty_hasNoContentAndEndTurn() {
        AnthropicMessagesRelay relay = relay(false);

        relay.complete(TokenUsage.of(3, 0));

        JsonNode message = json(channel.bodyText());
        assertThat(message.get("content")).isEmpty();
        assertThat(message.get("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void wholeMessage_error_isAnHttpErrorInAnthropicFormat() {
        AnthropicMessagesRelay relay = relay(false);
        relay.onChunk(text("partial"));

        relay.fail(
                new RetriableUpstreamException(
                        502, "upstream_error", "upstream_error", "The provider failed.", null, -1, null),
                "req-1");

        assertThat(channel.status).isEqualTo(502);
        assertThat(json(channel.bodyText()).path("error").path("type").asText()).isEqualTo("api_error");
    }

    // --- round trip: Anthropic request -> OpenAI chat request -> OpenAI stream -> Anthropic response ---

    private static final String CONVERSATION = """
            {"model":"claude-alias","max_tokens":512,"stream":%s,
             "tools":[{"name":"weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "messages":[
               {"role":"user","content":"Weather in Paris and Rome? Say it with emoji."},
               {"role":"assistant","content":[
                 {"type":"text","text":"Checking both cities now \\u2600\\ufe0f \\"quoted\\"."},
                 {"type":"tool_use","id":"toolu_01","name":"weather","input":{"city":"Paris","days":[1,2]}},
                 {"type":"tool_use","id":"toolu_02","name":"weather","input":{"city":"Rome","opts":{"a":null}}}]}]}""";

    /**
     * A pretend OpenAI upstream that streams back, in small fragments, the assistant turn of the translated request:
     * if the round trip is faithful, the client gets back exactly the blocks it sent.
     */
    private static void echoAssistantTurn(ChatRequest chat, AnthropicMessagesRelay relay) {
        JsonNode assistant = null;
        for (JsonNode message : chat.messages()) {
            if (message.path("role").asText().equals("assistant")) {
                assistant = message;
            }
        }
        assertThat(assistant).isNotNull();
        relay.onChunk(StreamChunk.start());
        String text = assistant.path("content").asText();
        for (int i = 0; i < text.length(); i += 4) {
            relay.onChunk(text(text.substring(i, Math.min(text.length(), i + 4))));
        }
        JsonNode calls = assistant.path("tool_calls");
        for (int index = 0; index < calls.size(); index++) {
            JsonNode call = calls.get(index);
            relay.onChunk(toolCall(
                    index,
                    call.get("id").asText(),
                    call.path("function").path("name").asText(),
                    ""));
            String arguments = call.path("function").path("arguments").asText();
            for (int i = 0; i < arguments.length(); i += 5) {
                relay.onChunk(toolCall(index, null, null, arguments.substring(i, Math.min(arguments.length(), i + 5))));
            }
        }
        relay.onChunk(finish("tool_calls"));
        relay.complete(TokenUsage.of(40, 30));
    }

    /** Folds stream events into content blocks the way Anthropic's SDKs do (by block index). */
    private static List<JsonNode> accumulate(List<Event> events) {
        Map<Integer, ObjectNode> blocks = new TreeMap<>();
        Map<Integer, StringBuilder> json = new TreeMap<>();
        for (Event event : events) {
            JsonNode data = event.data();
            int index = data.path("index").asInt();
            switch (event.name()) {
                case "content_block_start" ->
                    blocks.put(index, data.get("content_block").deepCopy());
                case "content_block_delta" -> {
                    JsonNode delta = data.get("delta");
                    ObjectNode block = blocks.get(index);
                    switch (delta.get("type").asText()) {
                        case "text_delta" ->
                            block.put(
                                    "text",
                                    block.get("text").asText()
                                            + delta.get("text").asText());
                        case "input_json_delta" ->
                            json.computeIfAbsent(index, i -> new StringBuilder())
                                    .append(delta.get("partial_json").asText());
                        default -> throw new AssertionError("unexpected delta " + delta);
                    }
                }
                default -> {}
            }
        }
        // The SDKs re-parse a tool's input after every input_json_delta; parsing once at the end is the same.
        json.forEach((index, input) -> blocks.get(index).set("input", json(input.toString())));
        return new ArrayList<>(blocks.values());
    }

    private static JsonNode sentAssistantBlocks() {
        return json(CONVERSATION.formatted("false")).path("messages").get(1).path("content");
    }

    @Test
    void roundTrip_streaming_clientGetsBackTheSameTextAndToolInputs() {
        AnthropicMessagesRequest request =
                AnthropicMessagesRequest.parse(CONVERSATION.formatted("true").getBytes(StandardCharsets.UTF_8));
        AnthropicMessagesRelay relay = relay(request.stream());

        echoAssistantTurn(request.toChatRequest(), relay);

        List<Event> events = events(channel);
        assertThat(accumulate(events)).containsExactlyElementsOf(sentAssistantBlocks());
        assertThat(events.get(events.size() - 2)
                        .data()
                        .path("delta")
                        .path("stop_reason")
                        .asText())
                .isEqualTo("tool_use");
    }

    @Test
    void roundTrip_wholeMessage_clientGetsBackTheSameTextAndToolInputs() {
        AnthropicMessagesRequest request =
                AnthropicMessagesRequest.parse(CONVERSATION.formatted("false").getBytes(StandardCharsets.UTF_8));
        AnthropicMessagesRelay relay = relay(request.stream());

        echoAssistantTurn(request.toChatRequest(), relay);

        assertThat(json(channel.bodyText()).get("content")).isEqualTo(sentAssistantBlocks());
    }
}
