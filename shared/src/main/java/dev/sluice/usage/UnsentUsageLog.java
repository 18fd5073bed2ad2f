package dev.sluice.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The last resort for a usage event that neither the stream nor the outbox took: one log line at ERROR, the marker
 * {@value #MARKER} then the event's JSON as the stream carries it. {@code gatewayctl usage replay --from-log} reads
 * such lines back from a saved log: the router's JSON log lines (the marker inside {@code message}), plain text lines
 * with a prefix (a timestamp, a request id), and bare usage-event JSON lines.
 */
public final class UnsentUsageLog {
    /** What to search the logs for (CloudWatch Logs Insights: {@code filter @message like /SLUICE_UNSENT_USAGE/}). */
    public static final String MARKER = "SLUICE_UNSENT_USAGE";

    private UnsentUsageLog() {}

    /** The log message for {@code event}: the marker, a space, its JSON. */
    public static String message(UsageEvent event) {
        return MARKER + " " + new String(UsageEventCodec.encode(event), StandardCharsets.UTF_8);
    }

    /** The usage event a saved log line carries, or empty when it carries none. */
    public static Optional<UsageEvent> parse(String line) {
        String text = line.strip();
        if (text.startsWith("{") && !text.contains(MARKER)) {
            return decode(text); // a bare usage event
        }
        int marker = text.indexOf(MARKER);
        if (marker < 0) {
            return Optional.empty();
        }
        if (text.startsWith("{")) {
            try {
                JsonNode message = Json.read(text).path("message"); // the router's JSON log line
                if (message.isTextual()) {
                    text = message.asText();
                    marker = text.indexOf(MARKER);
                }
            } catch (IOException | RuntimeException notJson) {
                // a plain line that happens to start with a brace
            }
        }
        int json = text.indexOf('{', marker);
        return json < 0 ? Optional.empty() : decode(text.substring(json));
    }

    private static Optional<UsageEvent> decode(String json) {
        try {
            return Optional.of(UsageEventCodec.decode(json.getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException notAnEvent) {
            return Optional.empty();
        }
    }
}
