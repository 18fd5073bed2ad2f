package dev.sluice.provider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events from an upstream body as the SSE specification frames them: {@code event:} and
 * {@code data:} fields (several data lines joined with a newline) up to a blank line; comments ({@code :}) and
 * {@code id:}/{@code retry:} fields are skipped. Every streaming provider (OpenAI-style, Anthropic, Gemini) reads its
 * body through this one parser and interprets the events itself.
 */
public final class SseEventReader {

    /**
     * One event.
     *
     * @param name       the {@code event:} field, or null when the event had none
     * @param terminated false for an event the stream ended in the middle of (no blank line after it)
     */
    public record Event(String name, String data, boolean terminated) {}

    private final BufferedReader lines;

    public SseEventReader(InputStream body) {
        this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 8192);
    }

    /** The next event that carries data, or null at the end of the stream. */
    public Event next() throws IOException {
        String name = null;
        StringBuilder data = null;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(name, data.toString(), true);
                }
                name = null; // an event without data is no event
            } else if (line.startsWith("data:")) {
                data = data == null ? new StringBuilder() : data.append('\n');
                data.append(line, valueStart(line, 5), line.length());
            } else if (line.startsWith("event:")) {
                name = line.substring(valueStart(line, 6));
            }
        }
        return data == null ? null : new Event(name, data.toString(), false);
    }

    /** A field's value starts after the colon and one optional space. */
    private static int valueStart(String line, int colonEnd) {
        return line.length() > colonEnd && line.charAt(colonEnd) == ' ' ? colonEnd + 1 : colonEnd;
    }
}
