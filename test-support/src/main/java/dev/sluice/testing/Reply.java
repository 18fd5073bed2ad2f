package dev.sluice.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link ReplayUpstream} answers: a status, headers and a body made of frames, each written and flushed on its
 * own (an SSE event, a Bedrock event-stream message, or one whole JSON body), with optional faults.
 *
 * @param cutAfterFrames close the connection after this many frames, without ending the body; negative: never
 */
public record Reply(
        int status,
        Map<String, String> headers,
        List<byte[]> frames,
        Duration firstByteDelay,
        Duration frameDelay,
        int cutAfterFrames) {

    public Reply {
        headers = Map.copyOf(headers);
        frames = List.copyOf(frames);
    }

    /** A 200 streamed as the given frames (chunked transfer encoding, one flush per frame). */
    public static Reply stream(String contentType, List<byte[]> frames) {
        return new Reply(200, Map.of("Content-Type", contentType), frames, Duration.ZERO, Duration.ZERO, -1);
    }

    /** A fixed-length JSON answer, e.g. an error body in the provider's format. */
    public static Reply json(int status, String body) {
        return new Reply(
                status,
                Map.of("Content-Type", "application/json"),
                List.of(body.getBytes(UTF_8)),
                Duration.ZERO,
                Duration.ZERO,
                -1);
    }

    public Reply withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new Reply(status, more, frames, firstByteDelay, frameDelay, cutAfterFrames);
    }

    /** Waits this long before the status line. */
    public Reply withFirstByteDelay(Duration delay) {
        return new Reply(status, headers, frames, delay, frameDelay, cutAfterFrames);
    }

    /** Waits this long before every frame after the first. */
    public Reply withFrameDelay(Duration delay) {
        return new Reply(status, headers, frames, firstByteDelay, delay, cutAfterFrames);
    }

    /** Sends only the first {@code frames} frames, then drops the connection mid-body. */
    public Reply cutAfterFrames(int frames) {
        return new Reply(status, headers, this.frames, firstByteDelay, frameDelay, frames);
    }

    /** True when the body is streamed (chunked); a single-frame JSON answer is sent with a Content-Length. */
    boolean streamed() {
        String type = headers.getOrDefault("Content-Type", "");
        return !type.startsWith("application/json");
    }
}
