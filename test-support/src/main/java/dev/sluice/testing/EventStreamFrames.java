package dev.sluice.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Encodes AWS event-stream messages ({@code application/vnd.amazon.eventstream}), the binary framing Bedrock's
 * ConverseStream answers in, so a {@link ReplayUpstream} can stand in for Bedrock behind the real SDK client.
 *
 * <p>One message: a prelude of the total length and the headers' length (4-byte big-endian integers each), the
 * prelude's CRC32, the headers, the payload, and the CRC32 of everything before it. A header is its name's length
 * (1 byte), the name, a value type (7: string), the value's length (2 bytes) and the value. Bedrock marks an event
 * with {@code :message-type event}, {@code :event-type <name>} and {@code :content-type application/json}; an error
 * inside the stream with {@code :message-type exception} and {@code :exception-type <name>}.
 */
public final class EventStreamFrames {

    public static final String CONTENT_TYPE = "application/vnd.amazon.eventstream";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STRING_TYPE = 7;
    private static final int PRELUDE_LENGTH = 12;
    private static final int CRC_LENGTH = 4;

    private EventStreamFrames() {}

    /** One event, e.g. {@code event("contentBlockDelta", "{\"delta\":{\"text\":\"Hi\"},\"contentBlockIndex\":0}")}. */
    public static byte[] event(String eventType, String jsonPayload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return message(headers, jsonPayload.getBytes(UTF_8));
    }

    /** An error inside the stream, e.g. {@code exception("modelStreamErrorException", "{\"message\":\"...\"}")}. */
    public static byte[] exception(String exceptionType, String jsonPayload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return message(headers, jsonPayload.getBytes(UTF_8));
    }

    /** One message with string headers, in the given order. */
    public static byte[] message(Map<String, String> headers, byte[] payload) {
        byte[] encodedHeaders = headers(headers);
        int total = PRELUDE_LENGTH + encodedHeaders.length + payload.length + CRC_LENGTH;
        ByteBuffer message = ByteBuffer.allocate(total);
        message.putInt(total).putInt(encodedHeaders.length);
        message.putInt((int) crc32(message.array(), 0, 8));
        message.put(encodedHeaders).put(payload);
        message.putInt((int) crc32(message.array(), 0, total - CRC_LENGTH));
        return message.array();
    }

    /**
     * The messages of a fixture of JSON lines, one message per line: {@code {"event": "<type>", "payload": {...}}},
     * or {@code {"exception": "<type>", "payload": {...}}} for an error inside the stream. Leading {@code #} lines are
     * comments (see {@link Transcripts#text}).
     */
    public static List<byte[]> fromJsonLines(String resource) {
        List<byte[]> messages = new ArrayList<>();
        for (String line : Transcripts.text(resource).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode entry = read(line, resource);
            String payload = entry.path("payload").toString();
            if (entry.hasNonNull("exception")) {
                messages.add(exception(entry.get("exception").asText(), payload));
            } else if (entry.hasNonNull("event")) {
                messages.add(event(entry.get("event").asText(), payload));
            } else {
                throw new IllegalArgumentException("neither 'event' nor 'exception' in " + resource + ": " + line);
            }
        }
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("no events in " + resource);
        }
        return messages;
    }

    /** A fixture of JSON lines as a streamed 200 reply, one event-stream message per frame. */
    public static Reply reply(String resource) {
        return Reply.stream(CONTENT_TYPE, fromJsonLines(resource));
    }

    private static byte[] headers(Map<String, String> headers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        headers.forEach((name, value) -> {
            byte[] nameBytes = name.getBytes(UTF_8);
            byte[] valueBytes = value.getBytes(UTF_8);
            if (nameBytes.length > 255 || valueBytes.length > 65_535) {
                throw new IllegalArgumentException("header too long: " + name);
            }
            out.write(nameBytes.length);
            out.writeBytes(nameBytes);
            out.write(STRING_TYPE);
            out.write(valueBytes.length >>> 8);
            out.write(valueBytes.length & 0xFF);
            out.writeBytes(valueBytes);
        });
        return out.toByteArray();
    }

    private static long crc32(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    private static JsonNode read(String line, String resource) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON in " + resource + ": " + line, e);
        }
    }
}
