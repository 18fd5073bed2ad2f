package dev.sluice.provider;

import java.util.List;

/**
 * The deltas of one upstream event. A chunk without deltas carries no output: it only announces the assistant's
 * turn (OpenAI's role chunk), so it starts nothing.
 *
 * @param deltas     in upstream order
 * @param openAiJson for an upstream that speaks OpenAI's format, the chunk exactly as it sent it, so a client of the
 *                   same format can get it as it is; null for every other upstream
 */
public record StreamChunk(List<StreamDelta> deltas, OpenAiChunkJson openAiJson) {
    private static final StreamChunk START = new StreamChunk(List.of(), null);

    public StreamChunk {
        deltas = List.copyOf(deltas);
    }

    /** The assistant's turn begins; no output yet. */
    public static StreamChunk start() {
        return START;
    }

    public static StreamChunk of(StreamDelta delta) {
        return new StreamChunk(List.of(delta), null);
    }

    public static StreamChunk of(StreamDelta... deltas) {
        return new StreamChunk(List.of(deltas), null);
    }

    /** True when the chunk carries output (text, a tool call, a finish reason), not just the start of the turn. */
    public boolean hasOutput() {
        return !deltas.isEmpty();
    }
}
