package dev.sluice.usage;

import static dev.sluice.usage.UsageEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnsentUsageLogTest {
    private final UsageEvent event = usage(4);

    @Test
    void parse_routersJsonLogLine_readsTheEventInItsMessage() {
        String line = Json.writeString(Map.of(
                "time", "2026-12-05T19:00:00.000Z",
                "level", "ERROR",
                "logger", "FallbackUsagePublisher",
                "message", UnsentUsageLog.message(event)));

        assertThat(UnsentUsageLog.parse(line)).contains(event);
    }

    @Test
    void parse_plainLineWithAPrefix_readsTheEventAfterTheMarker() {
        String line = "2026-12-05T19:00:00Z\t0f1e2d\tERROR " + UnsentUsageLog.message(event);

        assertThat(UnsentUsageLog.parse(line)).contains(event);
    }

    @Test
    void parse_bareUsageEventJson_readsIt() {
        String line = new String(UsageEventCodec.encode(event), StandardCharsets.UTF_8);

        assertThat(UnsentUsageLog.parse("  " + line + "  ")).contains(event);
    }

    @Test
    void parse_otherLines_readNothing() {
        assertThat(UnsentUsageLog.parse("")).isEmpty();
        assertThat(UnsentUsageLog.parse("Sluice router listening on 127.0.0.1:8080"))
                .isEmpty();
        assertThat(UnsentUsageLog.parse("{\"level\":\"INFO\",\"message\":\"request served\"}"))
                .isEmpty();
        assertThat(UnsentUsageLog.parse(UnsentUsageLog.MARKER + " {\"truncated"))
                .isEmpty();
    }
}
