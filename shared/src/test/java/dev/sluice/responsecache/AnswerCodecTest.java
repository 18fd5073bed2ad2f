package dev.sluice.responsecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.json.Json;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.usage.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnswerCodecTest {

    @Test
    void everyReplayableDelta_roundTrips() throws Exception {
        CachedAnswer answer = new CachedAnswer(
                List.of(
                        StreamChunk.of(new StreamDelta.Reasoning(0, "thinking…")),
                        StreamChunk.of(new StreamDelta.Text(0, "Hé \"quoted\"\n")),
                        StreamChunk.of(
                                new StreamDelta.ToolCallStart(
                                        0,
                                        0,
                                        "call_1",
                                        "lookup",
                                        Json.read("{\"google\":{\"thought_signature\":\"s\"}}")),
                                new StreamDelta.ToolCallArguments(0, 0, "{\"q\":")),
                        StreamChunk.of(new StreamDelta.ToolCallStart(0, 1, null, null, null)),
                        StreamChunk.of(new StreamDelta.Refusal(1, "no")),
                        StreamChunk.of(new StreamDelta.Finish(0, "tool_calls"), new StreamDelta.Finish(1, "stop"))),
                new TokenUsage(120, 30, 100, 7),
                "gemini",
                "gemini-2.5-flash");

        AnswerCodec.Encoded encoded = AnswerCodec.encode(answer);

        assertThat(encoded.compressed()).isFalse();
        assertThat(AnswerCodec.decode(encoded.bytes(), false)).isEqualTo(answer);
    }

    @Test
    void aFiftyChunkAnswer_takesAboutTwoKilobytes() {
        List<StreamChunk> chunks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            chunks.add(StreamChunk.of(new StreamDelta.Text(0, " word" + i)));
        }
        chunks.add(StreamChunk.of(new StreamDelta.Finish(0, "stop")));

        AnswerCodec.Encoded encoded =
                AnswerCodec.encode(new CachedAnswer(chunks, TokenUsage.of(10, 50), "openai", "m"));

        assertThat(encoded.bytes().length).isBetween(1_000, 2_500);
    }

    @Test
    void anAnswerOverTheItemLimit_isCompressed_andOneStillTooLargeIsNotStored() {
        String repetitive = "All work and no play makes a long answer. ".repeat(10_000); // 430 KB, compresses well
        CachedAnswer large = answerOf(repetitive);
        AnswerCodec.Encoded encoded = AnswerCodec.encode(large);
        assertThat(encoded.compressed()).isTrue();
        assertThat(encoded.bytes().length).isLessThan(AnswerCodec.PLAIN_LIMIT);
        assertThat(AnswerCodec.decode(encoded.bytes(), true)).isEqualTo(large);

        StringBuilder noise = new StringBuilder();
        SplittableRandom random = new SplittableRandom(1);
        while (noise.length() < 600_000) {
            noise.append((char) ('a' + random.nextInt(26))).append((char) ('0' + random.nextInt(10)));
        }
        assertThat(AnswerCodec.encode(answerOf(noise.toString()))).isNull();
    }

    @Test
    void untypedOutput_cannotBeEncoded() {
        CachedAnswer untyped = new CachedAnswer(
                List.of(StreamChunk.of(new StreamDelta.Untyped(0, "audio"))), TokenUsage.of(1, 1), "openai", "m");

        assertThatThrownBy(() -> AnswerCodec.encode(untyped)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void garbage_isRefusedAsNotAStoredAnswer() {
        assertThatThrownBy(() -> AnswerCodec.decode(new byte[] {1, 2, 3}, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static CachedAnswer answerOf(String text) {
        return new CachedAnswer(
                List.of(
                        StreamChunk.of(new StreamDelta.Text(0, text)),
                        StreamChunk.of(new StreamDelta.Finish(0, "stop"))),
                TokenUsage.of(10, text.length() / 4),
                "openai",
                "m");
    }
}
