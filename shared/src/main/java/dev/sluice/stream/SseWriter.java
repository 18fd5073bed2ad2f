package dev.sluice.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events, flushed one by one so each reaches the client as soon as it is written: OpenAI's frames
 * ({@code data: <json>\n\n}, and {@code data: [DONE]} at the end of a successful stream) and Anthropic's named
 * events ({@code event: <type>\ndata: <json>\n\n}; Anthropic streams end with a {@code message_stop} event).
 */
public final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEW_LINE = "\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    public void data(byte[] json) {
        event(null, json);
    }

    /** A named event; {@code type} null writes a bare {@code data:} frame. */
    public void event(String type, byte[] json) {
        try {
            if (type != null) {
                out.write(EVENT);
                out.write(type.getBytes(StandardCharsets.US_ASCII));
                out.write(NEW_LINE);
            }
            out.write(DATA);
            out.write(json);
            out.write(END_OF_EVENT);
            out.flush();
        } catch (IOException e) {
            throw new ClientDisconnectedException(e);
        }
    }

    public void done() {
        try {
            out.write(DONE);
            out.flush();
        } catch (IOException e) {
            throw new ClientDisconnectedException(e);
        }
    }
}
