package dev.sluice.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI frames them: {@code data: <json>\n\n}, flushed one by one so each reaches the
 * client as soon as it is written, and {@code data: [DONE]} at the end of a successful stream.
 */
public final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    public void data(byte[] json) {
        try {
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
