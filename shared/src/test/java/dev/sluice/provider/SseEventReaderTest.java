package dev.sluice.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventReaderTest {

    private static List<SseEventReader.Event> read(String body) throws IOException {
        SseEventReader reader = new SseEventReader(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        List<SseEventReader.Event> events = new ArrayList<>();
        for (SseEventReader.Event event = reader.next(); event != null; event = reader.next()) {
            events.add(event);
        }
        return events;
    }

    @Test
    void next_readsBareDataFramesAndNamedEvents() throws IOException {
        assertThat(read("data: {\"a\":1}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
                .containsExactly(
                        new SseEventReader.Event(null, "{\"a\":1}", true),
                        new SseEventReader.Event("message_stop", "{\"type\":\"message_stop\"}", true));
    }

    @Test
    void next_joinsSeveralDataLinesWithANewline() throws IOException {
        assertThat(read("data: first\ndata: second\n\n"))
                .containsExactly(new SseEventReader.Event(null, "first\nsecond", true));
    }

    @Test
    void next_skipsCommentsIdsRetriesAndEventsWithoutData() throws IOException {
        assertThat(read(": keep-alive\n\nid: 7\nretry: 1000\ndata: x\n\nevent: ping\n\n"))
                .containsExactly(new SseEventReader.Event(null, "x", true));
    }

    @Test
    void next_takesTheValueAfterOneOptionalSpace_andCrLfLineEnds() throws IOException {
        assertThat(read("data:no-space\r\n\r\ndata:  two spaces\r\n\r\n"))
                .containsExactly(
                        new SseEventReader.Event(null, "no-space", true),
                        new SseEventReader.Event(null, " two spaces", true));
    }

    @Test
    void next_marksAnEventTheStreamEndedInTheMiddleOf() throws IOException {
        assertThat(read("data: whole\n\ndata: cut"))
                .containsExactly(
                        new SseEventReader.Event(null, "whole", true), new SseEventReader.Event(null, "cut", false));
    }

    @Test
    void next_onAnEmptyBody_isNull() throws IOException {
        assertThat(read("")).isEmpty();
        assertThat(read("\n\n: only a comment\n\n")).isEmpty();
    }

    @Test
    void next_readsMultiByteTextWhole() throws IOException {
        assertThat(read("data: {\"t\":\"héllo 世界 👋\"}\n\n"))
                .containsExactly(new SseEventReader.Event(null, "{\"t\":\"héllo 世界 👋\"}", true));
    }

    @Test
    void next_endsLinesAtLfCrOrCrLf_alsoWhenACrLfIsSplitBetweenTwoReads() throws IOException {
        assertThat(read("event: a\r\ndata: one\r\n\r\ndata: two\r\rdata: three\n\n"))
                .containsExactly(
                        new SseEventReader.Event("a", "one", true),
                        new SseEventReader.Event(null, "two", true),
                        new SseEventReader.Event(null, "three", true));
        byte[] body = "data: x\r\n\r\ndata: y\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        InputStream oneByteAtATime = new InputStream() {
            private int next;

            @Override
            public int read() {
                return next < body.length ? body[next++] : -1;
            }

            @Override
            public int read(byte[] into, int offset, int length) {
                if (next >= body.length) {
                    return -1;
                }
                into[offset] = body[next++];
                return 1;
            }
        };
        SseEventReader reader = new SseEventReader(oneByteAtATime);
        assertThat(reader.next()).isEqualTo(new SseEventReader.Event(null, "x", true));
        assertThat(reader.next()).isEqualTo(new SseEventReader.Event(null, "y", true));
        assertThat(reader.next()).isNull();
    }

    @Test
    void nextBytes_givesTheDataAsSent_evenLongerThanTheReadersBuffer() throws IOException {
        String big = "{\"t\":\"" + "é".repeat(10_000) + "\"}";
        SseEventReader reader = new SseEventReader(
                new ByteArrayInputStream(("data: " + big + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8)));

        SseEventReader.BytesEvent first = reader.nextBytes();

        assertThat(first.data()).isEqualTo(big.getBytes(StandardCharsets.UTF_8));
        assertThat(first.terminated()).isTrue();
        assertThat(new String(reader.nextBytes().data(), StandardCharsets.UTF_8))
                .isEqualTo("[DONE]");
        assertThat(reader.nextBytes()).isNull();
    }
}
