package dev.sluice.provider;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A response body read straight from its {@link Http1Connection}, framed by chunked transfer coding, a Content-Length,
 * or the end of the connection. Read to its end, the body hands the connection back to the client's pool. Closed
 * before its end, it first waits a moment ({@link #DRAIN_WAIT}) for the rest: an adapter stops reading at a stream's
 * documented last event ({@code [DONE]}, {@code message_stop}), and the chunked body's terminator comes right behind
 * it; skipping that keeps the connection (and over TLS its handshake) for the next request. A rest that is longer or
 * slower than that (a client gone mid-stream, a stall guard, an error) closes the connection instead, which is how
 * the upstream learns the request was abandoned.
 *
 * <p>Cost per read: a bounds check and one copy from the connection's buffer into the reader's array; a chunk header
 * is parsed once per chunk (one short string).
 */
final class Http1Body extends InputStream {
    enum Framing {
        CHUNKED,
        LENGTH,
        UNTIL_CLOSE,
        EMPTY
    }

    private static final int OPEN = 0;
    private static final int ENDED = 1;
    private static final int CLOSED = 2;

    /** How much of a body's rest close() skips, and how long it waits for it, before closing the connection. */
    private static final int MAX_DRAIN = 16 * 1024;

    static final int DRAIN_WAIT = 5; // ms

    private final Http1Connection connection;
    private final BlockingHttp1Client client;
    private final Framing framing;
    private final boolean reusable;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final Thread owner = Thread.currentThread(); // the exchange's thread: the only one that may drain
    private long remaining; // of the body (LENGTH) or of the current chunk (CHUNKED)
    private boolean inChunk; // CHUNKED: a chunk's data was read, so its CRLF comes before the next header

    Http1Body(Http1Connection connection, BlockingHttp1Client client, Framing framing, long length, boolean reusable) {
        this.connection = connection;
        this.client = client;
        this.framing = framing;
        this.reusable = reusable && framing != Framing.UNTIL_CLOSE;
        this.remaining = framing == Framing.LENGTH ? length : 0;
        if (framing == Framing.EMPTY || (framing == Framing.LENGTH && length == 0)) {
            end();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        int current = state.get();
        if (current == ENDED) {
            return -1;
        }
        if (current == CLOSED) {
            throw new IOException("the response body is closed");
        }
        if (remaining == 0 && !nextData()) {
            return -1;
        }
        int wanted = framing == Framing.UNTIL_CLOSE ? length : (int) Math.min(length, remaining);
        int read = connection.read(target, offset, wanted);
        if (read < 0) {
            if (framing == Framing.UNTIL_CLOSE) {
                end();
                return -1;
            }
            throw new EOFException("the upstream closed the connection before the end of the response body");
        }
        consumed(read);
        return read;
    }

    /** Positions at the next data byte; false (and the body ended) when there is none. */
    private boolean nextData() throws IOException {
        switch (framing) {
            case CHUNKED -> {
                if (inChunk) {
                    connection.readLine(Http1Connection.MAX_HEAD); // the CRLF after a chunk's data
                }
                long size = chunkSize(connection.readLine(Http1Connection.MAX_HEAD));
                if (size == 0) {
                    int budget = Http1Connection.MAX_HEAD;
                    for (String trailer = connection.readLine(budget);
                            !trailer.isEmpty();
                            trailer = connection.readLine(budget)) {
                        budget -= trailer.length();
                    }
                    end();
                    return false;
                }
                remaining = size;
                inChunk = true;
                return true;
            }
            case UNTIL_CLOSE -> {
                return true;
            }
            default -> {
                end();
                return false;
            }
        }
    }

    private void consumed(int count) {
        if (framing == Framing.UNTIL_CLOSE) {
            return;
        }
        remaining -= count;
        if (framing == Framing.LENGTH && remaining == 0) {
            end();
        }
    }

    private static long chunkSize(String header) throws IOException {
        int end = header.indexOf(';'); // chunk extensions are ignored
        String hex = (end < 0 ? header : header.substring(0, end)).trim();
        try {
            long size = Long.parseLong(hex, 16);
            if (size < 0 || hex.length() > 15) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException e) {
            throw new IOException("the upstream sent a malformed chunk header", e);
        }
    }

    /** The body reached its end: the connection goes back to the pool (or is closed when it cannot be reused). */
    private void end() {
        if (state.compareAndSet(OPEN, ENDED)) {
            client.release(connection, reusable);
        }
    }

    @Override
    public int available() throws IOException {
        return state.get() == OPEN && framing != Framing.EMPTY
                ? (int) Math.min(connection.buffered(), framing == Framing.UNTIL_CLOSE ? Integer.MAX_VALUE : remaining)
                : 0;
    }

    /**
     * Closes the body. Before its end, a short rest that arrives within {@link #DRAIN_WAIT} is skipped and the
     * connection reused; otherwise the connection is closed. Safe from any thread: a close from another thread (the
     * stall guard's) only closes the socket, which fails the owner's blocked read.
     */
    @Override
    public void close() {
        if (state.get() != OPEN) {
            return;
        }
        if (Thread.currentThread() == owner && reusable && drainRest()) {
            return;
        }
        if (state.compareAndSet(OPEN, CLOSED)) {
            connection.close();
        }
    }

    /** Skips the rest of the body if it is short and prompt; true when that reached (and released at) the end. */
    private boolean drainRest() {
        try {
            connection.readTimeout(DRAIN_WAIT);
            int budget = MAX_DRAIN;
            while (state.get() == OPEN && budget > 0) {
                if (remaining == 0 && !nextData()) {
                    return state.get() == ENDED;
                }
                int skipped = connection.skip((int) Math.min(remaining, budget));
                if (skipped < 0) {
                    return false;
                }
                budget -= skipped;
                consumed(skipped);
            }
            return state.get() == ENDED;
        } catch (IOException e) {
            return false;
        }
    }
}
