package dev.sluice.stream;

import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A response channel that adds headers a stage decided (the rate-limit headers admission computed) to whatever
 * response a later stage sends, so relays need not know about them.
 */
public final class HeaderChannel implements ResponseChannel {
    private final ResponseChannel channel;
    private final Map<String, String> extra;
    private final Supplier<Map<String, String>> late;

    private HeaderChannel(ResponseChannel channel, Map<String, String> extra, Supplier<Map<String, String>> late) {
        this.channel = channel;
        this.extra = extra;
        this.late = late;
    }

    /** {@code channel} itself when there is nothing to add. */
    public static ResponseChannel adding(ResponseChannel channel, Map<String, String> extra) {
        return extra.isEmpty() ? channel : new HeaderChannel(channel, extra, Map::of);
    }

    /**
     * Adds {@code extra}, and what {@code late} says when the response starts (which deployment answered after how
     * many attempts is known only then).
     */
    public static ResponseChannel adding(
            ResponseChannel channel, Map<String, String> extra, Supplier<Map<String, String>> late) {
        return new HeaderChannel(channel, extra, late);
    }

    @Override
    public void sendJson(int status, Map<String, String> headers, byte[] body) {
        channel.sendJson(status, merged(headers), body);
    }

    @Override
    public OutputStream startStream(int status, Map<String, String> headers) {
        return channel.startStream(status, merged(headers));
    }

    private Map<String, String> merged(Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(extra);
        all.putAll(late.get());
        return all;
    }
}
