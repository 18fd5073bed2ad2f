package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UsageMeterTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final UsageMeter meter = new UsageMeter(now::get, 1_000);

    @Test
    void startOfTurn_isNotOutput_andStartsNoClock() {
        now.set(1_500);
        meter.onChunk(StreamChunk.start());

        assertThat(meter.hasOutput()).isFalse();
        assertThat(meter.timeToFirstTokenNanos()).isEqualTo(-1);
        assertThat(meter.outputChars()).isZero();
    }

    @Test
    void timeToFirstToken_isTheFirstChunkWithOutput() {
        now.set(1_200);
        meter.onChunk(StreamChunk.start());
        now.set(4_000);
        meter.onChunk(StreamChunk.of(new StreamDelta.Text(0, "Hi")));
        now.set(9_000);
        meter.onChunk(StreamChunk.of(new StreamDelta.Text(0, " there")));

        assertThat(meter.hasOutput()).isTrue();
        assertThat(meter.timeToFirstTokenNanos()).isEqualTo(3_000);
    }

    @Test
    void aFinishAloneIsOutput() {
        meter.onChunk(StreamChunk.of(new StreamDelta.Finish(0, "stop")));

        assertThat(meter.hasOutput()).isTrue();
        assertThat(meter.outputChars()).isZero();
    }

    @Test
    void reportedUsage_isSummed_andNullWhenNoneReported() {
        assertThat(meter.reportedUsage()).isNull();

        meter.onUsage(TokenUsage.of(10, 0));
        meter.onUsage(new TokenUsage(0, 7, 0, 2));

        assertThat(meter.reportedUsage()).isEqualTo(new TokenUsage(10, 7, 0, 2));
    }

    @Test
    void estimate_countsTextReasoningRefusalsAndToolCalls() {
        meter.onChunk(
                StreamChunk.of(new StreamDelta.Reasoning(0, "Think first."), new StreamDelta.Text(0, "Hello, world!")));
        meter.onChunk(StreamChunk.of(new StreamDelta.Refusal(0, "No.")));
        meter.onChunk(StreamChunk.of(
                new StreamDelta.ToolCallStart(0, 0, "call_1", "get_weather", null),
                new StreamDelta.ToolCallArguments(0, 0, "{\"city\":\"Paris\"}")));

        String all = "Think first." + "Hello, world!" + "No." + "get_weather" + "{\"city\":\"Paris\"}";
        assertThat(meter.outputChars()).isEqualTo(all.length());
        assertThat(meter.estimatedOutputTokens()).isEqualTo(TokenEstimator.ofText(all));
    }

    @Test
    void estimate_beyondTheKeptOutput_countsCharacters() {
        String piece = "word ".repeat(1024); // 5 KiB
        int pieces = UsageMeter.MAX_KEPT_OUTPUT / piece.length() + 4;
        for (int i = 0; i < pieces; i++) {
            meter.onChunk(StreamChunk.of(new StreamDelta.Text(0, piece)));
        }

        long kept = (long) (UsageMeter.MAX_KEPT_OUTPUT / piece.length()) * piece.length();
        StringBuilder keptText = new StringBuilder();
        keptText.append(piece.repeat(UsageMeter.MAX_KEPT_OUTPUT / piece.length()));
        assertThat(meter.outputChars()).isEqualTo((long) pieces * piece.length());
        assertThat(meter.estimatedOutputTokens())
                .isEqualTo(TokenEstimator.ofText(keptText) + TokenEstimator.ofChars(meter.outputChars() - kept));
    }
}
