package dev.sluice.testing;

import java.time.Duration;

/**
 * What a {@link FakeUpstream} answers, as one immutable value: a request reads it once on arrival, so changing the
 * script mid-request never mixes two scripts in one response.
 *
 * @param failure null to answer normally
 * @param cutAfterChunks negative to finish the response normally
 * @param hold null for no hold point
 * @param obeyMaxTokens answer at most the request's {@code max_completion_tokens} / {@code max_tokens} pieces
 */
record UpstreamScript(
        OpenAiChatFrames frames,
        Duration firstByteDelay,
        Duration chunkDelay,
        ScriptedFailure failure,
        int cutAfterChunks,
        StreamHold hold,
        boolean obeyMaxTokens) {

    static UpstreamScript of(OpenAiChatFrames frames) {
        return new UpstreamScript(frames, Duration.ZERO, Duration.ZERO, null, -1, null, false);
    }

    UpstreamScript withFrames(OpenAiChatFrames value) {
        return new UpstreamScript(value, firstByteDelay, chunkDelay, failure, cutAfterChunks, hold, obeyMaxTokens);
    }

    UpstreamScript withFirstByteDelay(Duration value) {
        return new UpstreamScript(frames, value, chunkDelay, failure, cutAfterChunks, hold, obeyMaxTokens);
    }

    UpstreamScript withChunkDelay(Duration value) {
        return new UpstreamScript(frames, firstByteDelay, value, failure, cutAfterChunks, hold, obeyMaxTokens);
    }

    UpstreamScript withFailure(ScriptedFailure value) {
        return new UpstreamScript(frames, firstByteDelay, chunkDelay, value, cutAfterChunks, hold, obeyMaxTokens);
    }

    UpstreamScript withCutAfterChunks(int value) {
        return new UpstreamScript(frames, firstByteDelay, chunkDelay, failure, value, hold, obeyMaxTokens);
    }

    UpstreamScript withObeyMaxTokens(boolean value) {
        return new UpstreamScript(frames, firstByteDelay, chunkDelay, failure, cutAfterChunks, hold, value);
    }

    UpstreamScript withHold(StreamHold value) {
        return new UpstreamScript(frames, firstByteDelay, chunkDelay, failure, cutAfterChunks, value, obeyMaxTokens);
    }
}
