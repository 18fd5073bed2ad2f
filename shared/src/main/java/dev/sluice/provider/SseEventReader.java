package dev.sluice.provider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads server-sent events from an upstream body as the SSE specification frames them: {@code event:} and
 * {@code data:} fields (several data lines joined with a newline) up to a blank line, lines ending in LF, CR or CRLF;
 * comments ({@code :}) and {@code id:}/{@code retry:} fields are skipped. Every streaming provider (OpenAI-style,
 * Anthropic, Gemini) reads its body through this one parser and interprets the events itself.
 *
 * <p>It works on the bytes: lines are found in its own buffer, and an event's data is copied once, as the UTF-8 bytes
 * the stream carried ({@link #nextBytes()}, for a caller that parses JSON from bytes) or decoded into a string
 * ({@link #next()}). Splitting UTF-8 at line ends is safe: a CR or LF byte is never part of a multi-byte character.
 */
public final class SseEventReader {

    /**
     * One event.
     *
     * @param name       the {@code event:} field, or null when the event had none
     * @param terminated false for an event the stream ended in the middle of (no blank line after it)
     */
    public record Event(String name, String data, boolean terminated) {}

    /** One event with its data as UTF-8 bytes, the caller's to keep. */
    public record BytesEvent(String name, byte[] data, boolean terminated) {}

    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEWLINE = {'\n'};

    private final InputStream body;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    /** The last line ended in CR: an LF that follows belongs to it. */
    private boolean afterCarriageReturn;

    private byte[] line = new byte[512];
    private int lineLength;
    private byte[] data = new byte[1024];
    private int dataLength;

    public SseEventReader(InputStream body) {
        this.body = body;
    }

    /** The next event that carries data, or null at the end of the stream. */
    public Event next() throws IOException {
        BytesEvent event = nextBytes();
        return event == null
                ? null
                : new Event(event.name(), new String(event.data(), StandardCharsets.UTF_8), event.terminated());
    }

    /** The next event that carries data, its data as bytes, or null at the end of the stream. */
    public BytesEvent nextBytes() throws IOException {
        String name = null;
        boolean hasData = false;
        dataLength = 0;
        while (readLine()) {
            if (lineLength == 0) {
                if (hasData) {
                    return new BytesEvent(name, Arrays.copyOf(data, dataLength), true);
                }
                name = null; // an event without data is no event
            } else if (startsWith(DATA)) {
                if (hasData) {
                    appendData(NEWLINE, 0, 1);
                }
                hasData = true;
                int start = valueStart(DATA.length);
                appendData(line, start, lineLength - start);
            } else if (startsWith(EVENT)) {
                int start = valueStart(EVENT.length);
                name = new String(line, start, lineLength - start, StandardCharsets.UTF_8);
            }
        }
        return hasData ? new BytesEvent(name, Arrays.copyOf(data, dataLength), false) : null;
    }

    /** Reads the next line into {@link #line}; false at the end of the stream when no line is left. */
    private boolean readLine() throws IOException {
        lineLength = 0;
        boolean any = false;
        while (true) {
            if (position == limit) {
                int read = body.read(buffer, 0, buffer.length);
                if (read <= 0) {
                    return any; // the last line may end without a line end
                }
                position = 0;
                limit = read;
            }
            if (afterCarriageReturn) {
                afterCarriageReturn = false;
                if (buffer[position] == '\n') {
                    position++;
                    continue;
                }
            }
            int end = position;
            while (end < limit && buffer[end] != '\n' && buffer[end] != '\r') {
                end++;
            }
            appendLine(position, end - position);
            any = true;
            if (end < limit) {
                afterCarriageReturn = buffer[end] == '\r';
                position = end + 1;
                return true;
            }
            position = end;
        }
    }

    private void appendLine(int from, int length) {
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + length));
        }
        System.arraycopy(buffer, from, line, lineLength, length);
        lineLength += length;
    }

    private void appendData(byte[] source, int from, int length) {
        if (dataLength + length > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataLength + length));
        }
        System.arraycopy(source, from, data, dataLength, length);
        dataLength += length;
    }

    private boolean startsWith(byte[] field) {
        return lineLength >= field.length && Arrays.equals(line, 0, field.length, field, 0, field.length);
    }

    /** A field's value starts after the colon and one optional space. */
    private int valueStart(int colonEnd) {
        return lineLength > colonEnd && line[colonEnd] == ' ' ? colonEnd + 1 : colonEnd;
    }
}
