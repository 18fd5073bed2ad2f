package dev.sluice.usage;

import dev.sluice.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON form of a {@link UsageEvent} on the stream; the one place both writer and reader go through. */
public final class UsageEventCodec {
    private UsageEventCodec() {
    }

    public static byte[] encode(UsageEvent event) {
        return Json.write(event);
    }

    public static UsageEvent decode(byte[] bytes) {
        try {
            return Json.MAPPER.readValue(bytes, UsageEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a usage event", e);
        }
    }
}
