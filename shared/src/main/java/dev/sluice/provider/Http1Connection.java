package dev.sluice.provider;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection to an upstream, plain or TLS, read by the thread that sent the request (a virtual thread:
 * a blocking read parks it, and the JDK's poller wakes it when bytes arrive). It keeps its own read buffer so a
 * response head is parsed and a body relayed without a second buffering layer; {@link Http1Body} reads through it.
 *
 * <p>Not thread-safe: one exchange at a time owns it. {@link #close()} may come from another thread (a stall guard,
 * a cancelled request); it closes the socket, which fails the owner's blocked read.
 */
final class Http1Connection implements AutoCloseable {
    /** A response head larger than this is refused: no provider sends one, and it bounds what a bad upstream costs. */
    static final int MAX_HEAD = 64 * 1024;

    final BlockingHttp1Client.Origin origin;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    private long idleSince;

    Http1Connection(BlockingHttp1Client.Origin origin, Socket socket) throws IOException {
        this.origin = origin;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    OutputStream output() {
        return out;
    }

    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Bytes buffered but not yet read. */
    int buffered() {
        return limit - position;
    }

    /** Fills the buffer when empty; false at the end of the stream. */
    boolean fill() throws IOException {
        if (position < limit) {
            return true;
        }
        int read = in.read(buffer, 0, buffer.length);
        if (read < 0) {
            return false;
        }
        position = 0;
        limit = read;
        return true;
    }

    /** Up to {@code length} bytes into {@code target}; blocks only when nothing is buffered. -1 at the end. */
    int read(byte[] target, int offset, int length) throws IOException {
        if (!fill()) {
            return -1;
        }
        int count = Math.min(length, limit - position);
        System.arraycopy(buffer, position, target, offset, count);
        position += count;
        return count;
    }

    /** Skips up to {@code count} buffered bytes (filling once when empty); how many were skipped. */
    int skip(int count) throws IOException {
        if (!fill()) {
            return -1;
        }
        int skipped = Math.min(count, limit - position);
        position += skipped;
        return skipped;
    }

    /**
     * One line of a response head or a chunk header, without its CRLF (a bare LF is accepted, as RFC 9112 allows).
     * {@code budget} is what is left of the head's size limit; a longer line fails.
     */
    String readLine(int budget) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            if (!fill()) {
                throw new EOFException("the upstream closed the connection in the middle of a response head");
            }
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            line.append(new String(buffer, start, position - start, StandardCharsets.ISO_8859_1));
            if (line.length() > budget) {
                throw new IOException("the upstream's response head is larger than " + MAX_HEAD + " bytes");
            }
            if (position < limit) {
                position++; // the LF
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
        }
    }

    void markIdle(long nanoTime) {
        idleSince = nanoTime;
    }

    long idleSince() {
        return idleSince;
    }

    boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the connection is being thrown away; nothing to do about a failed close
        }
    }
}
