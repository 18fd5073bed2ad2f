package dev.sluice.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as Anthropic frames them: {@code event: <type>\ndata: <json>\n\n}, each flushed as soon as it is
 * written. Anthropic streams end with a {@code message_stop} event rather than a {@code [DONE]} sentinel.
 */
public final class AnthropicSseWriter {
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;

    public AnthropicSseWriter(OutputStream out) {
        this.out = out;
    }

    public void event(String type, byte[] json) {
        try {
            out.write(EVENT);
            out.write(type.getBytes(StandardCharsets.US_ASCII));
            out.write(DATA);
            out.write(json);
            out.write(END_OF_EVENT);
            out.flush();
        } catch (IOException e) {
            throw new ClientDisconnectedException(e);
        }
    }
}
