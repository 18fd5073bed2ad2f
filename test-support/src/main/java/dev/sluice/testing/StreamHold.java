package dev.sluice.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A hold point in a fake's streamed response, from {@link FakeUpstream#holdAfterFirstChunk()}: responses stop after
 * their first chunk until {@link #release()}, so a test can prove the client received chunk 1 while the upstream had
 * not finished (i.e. that nothing buffers the stream).
 */
public final class StreamHold {

    /** A forgotten release must not hang a build forever. */
    private static final Duration MAX_HOLD = Duration.ofSeconds(60);

    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final int afterChunk;

    /** @param afterChunk the index of the chunk after which responses stop (0: the role chunk) */
    StreamHold(int afterChunk) {
        this.afterChunk = afterChunk;
    }

    int afterChunk() {
        return afterChunk;
    }

    /**
     * Waits until a response reached the hold; false on timeout. A response counts as held from just before it sends its
     * first chunk, so once a client has read chunk 1 this (and {@link #isHeld()}) is already true.
     */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
        return reached.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether a response is being (or was) held here. */
    public boolean isHeld() {
        return reached.getCount() == 0;
    }

    /** Lets every held response, and every later one, continue. */
    public void release() {
        released.countDown();
    }

    /** Called by a response just before it sends its first chunk; it will not send more until released. */
    void arrive() {
        reached.countDown();
    }

    /** Called by the response after its first chunk. */
    void awaitRelease() throws InterruptedException {
        released.await(MAX_HOLD.toNanos(), TimeUnit.NANOSECONDS);
    }
}
