package dev.sluice.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads wire transcripts kept as fixture files on the test classpath.
 *
 * <p>Lines starting with {@code #} at the top of a file are comments for the reader (where the format is documented)
 * and are not sent. The rest is the body exactly as the provider sends it.
 */
public final class Transcripts {

    private Transcripts() {}

    /** The file as text, without its leading {@code #} comment lines. */
    public static String text(String resource) {
        String raw = raw(resource);
        StringBuilder kept = new StringBuilder();
        boolean header = true;
        for (String line : raw.split("\n", -1)) {
            if (header && line.startsWith("#")) {
                continue;
            }
            header = false;
            kept.append(line).append('\n');
        }
        String text = kept.toString();
        return text.endsWith("\n\n") ? text.substring(0, text.length() - 1) : text;
    }

    /**
     * An SSE transcript split into its events: each frame is one event with its terminating blank line, so the fake
     * flushes event by event as a provider does.
     */
    public static List<byte[]> sseEvents(String resource) {
        String text = text(resource).replace("\r\n", "\n");
        List<byte[]> events = new ArrayList<>();
        for (String event : text.split("\n\n")) {
            if (!event.isBlank()) {
                events.add((event.strip() + "\n\n").getBytes(UTF_8));
            }
        }
        if (events.isEmpty()) {
            throw new IllegalArgumentException("no SSE events in " + resource);
        }
        return events;
    }

    /** An SSE transcript as a streamed 200 reply. */
    public static Reply sseReply(String resource) {
        return Reply.stream("text/event-stream; charset=utf-8", sseEvents(resource));
    }

    private static String raw(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no transcript on the classpath: " + resource);
            }
            return new String(in.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
