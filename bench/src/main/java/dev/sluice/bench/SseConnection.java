package dev.sluice.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;

/**
 * One HTTP/1.1 keep-alive connection that sends a request and reads a server-sent-event answer off the socket,
 * noting when the first {@code data:} line and the {@code data: [DONE]} line arrive.
 *
 * <p>A raw socket rather than {@code java.net.http.HttpClient}: the JDK client hands the body over through its own
 * selector and executor threads, which adds scheduling noise and CPU to both sides of the comparison. This client
 * does nothing per byte but look for line ends, and nothing per line but compare a few bytes, so what it measures is
 * the servers. It speaks just enough HTTP/1.1 for the two servers it talks to: fixed-length and chunked bodies,
 * {@code Connection: close}, and one retry when a reused connection turns out to have been closed by the server.
 *
 * <p>Not thread-safe: one connection per client thread. {@link #close()} may be called from another thread to
 * abort a blocked read.
 */
final class SseConnection implements AutoCloseable {
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** No request in this benchmark should take near this long; a stall becomes an error, never a hang. */
    static final int READ_TIMEOUT_MILLIS = 30_000;

    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 100;
    private static final int MAX_CHUNKS = 1_000_000;
    private static final long MAX_BODY_BYTES = 64L * 1024 * 1024;
    private static final int MAX_ERROR_BODY = 2_000;
    private static final int LINE_HEAD = 16;

    private final InetSocketAddress address;
    private final byte[] buffer = new byte[32 * 1024];
    private int position;
    private int limit;
    private volatile Socket socket;
    private InputStream in;
    private OutputStream out;
    private boolean carriedResponse;
    private long reconnects;

    // The answer being read: the first bytes of the current line are enough to classify it.
    private final byte[] lineHead = new byte[LINE_HEAD];
    private int lineLength;
    private byte previous;
    private long start;
    private long firstData;
    private long done;
    private int events;
    private ByteArrayOutputStream errorBody;

    SseConnection(InetSocketAddress address) {
        this.address = address;
    }

    /** Sends one request and reads its whole answer; never throws for I/O or HTTP failures, it reports them. */
    StreamResult send(byte[] request) {
        for (int attempt = 1; attempt <= 2; attempt++) {
            long begin = System.nanoTime();
            boolean reused;
            try {
                reused = open();
            } catch (IOException e) {
                closeQuietly();
                return StreamResult.failed(begin, "connect to " + address + " failed: " + e);
            }
            try {
                try {
                    out.write(request);
                    out.flush();
                } catch (IOException e) {
                    throw new NothingReceived(e);
                }
                return readAnswer(begin);
            } catch (NothingReceived e) {
                closeQuietly();
                if (!reused) {
                    return StreamResult.failed(begin, "no answer from " + address + ": " + e.getCause());
                }
                reconnects++; // the server had closed the idle keep-alive connection: retry on a new one
            } catch (IOException | RuntimeException e) {
                closeQuietly();
                return StreamResult.failed(begin, "reading the answer failed: " + e);
            }
        }
        return StreamResult.failed(System.nanoTime(), "no answer from " + address + " on a fresh connection");
    }

    /** Times a reused connection had been closed by the server and the request was sent again on a new one. */
    long reconnects() {
        return reconnects;
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private boolean open() throws IOException {
        if (socket != null) {
            return carriedResponse;
        }
        Socket fresh = new Socket();
        socket = fresh;
        fresh.setTcpNoDelay(true);
        fresh.setSoTimeout(READ_TIMEOUT_MILLIS);
        fresh.connect(address, CONNECT_TIMEOUT_MILLIS);
        in = fresh.getInputStream();
        out = fresh.getOutputStream();
        position = 0;
        limit = 0;
        carriedResponse = false;
        return false;
    }

    private StreamResult readAnswer(long begin) throws IOException {
        String statusLine = readLine(true);
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.x status line: " + abbreviate(statusLine));
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        boolean close = statusLine.startsWith("HTTP/1.0");
        boolean chunked = false;
        long length = -1;
        for (int i = 0; ; i++) {
            if (i > MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " response headers");
            }
            String header = readLine(false);
            if (header.isEmpty()) {
                break;
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            switch (name) {
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "content-length" -> length = Long.parseLong(value);
                case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
                default -> {
                    // not needed
                }
            }
        }

        start = begin;
        firstData = -1;
        done = -1;
        events = 0;
        lineLength = 0;
        previous = 0;
        errorBody = status == 200 ? null : new ByteArrayOutputStream();
        if (chunked) {
            readChunkedBody();
        } else if (length >= 0) {
            readBytes(length);
        } else {
            readUntilClosed();
            close = true;
        }
        if (close) {
            closeQuietly();
        } else {
            carriedResponse = true;
        }
        if (errorBody != null) {
            return StreamResult.failed(begin, "HTTP " + status + ": " + errorBody.toString(UTF_8));
        }
        return new StreamResult(begin, firstData, done, events, null);
    }

    private void readChunkedBody() throws IOException {
        long total = 0;
        for (int chunk = 0; chunk < MAX_CHUNKS; chunk++) {
            String sizeLine = readLine(false);
            int extension = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((extension >= 0 ? sizeLine.substring(0, extension) : sizeLine).strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line: " + abbreviate(sizeLine));
            }
            if (size == 0) {
                for (int i = 0; i <= MAX_HEADERS; i++) {
                    if (readLine(false).isEmpty()) {
                        return;
                    }
                }
                throw new IOException("more than " + MAX_HEADERS + " trailer lines");
            }
            total += size;
            if (size < 0 || total > MAX_BODY_BYTES) {
                throw new IOException("body larger than " + MAX_BODY_BYTES + " bytes");
            }
            readBytes(size);
            if (!readLine(false).isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
        throw new IOException("more than " + MAX_CHUNKS + " chunks");
    }

    private void readBytes(long count) throws IOException {
        if (count > MAX_BODY_BYTES) {
            throw new IOException("body larger than " + MAX_BODY_BYTES + " bytes");
        }
        long remaining = count;
        while (remaining > 0) {
            if (position == limit) {
                fill();
            }
            int n = (int) Math.min(remaining, limit - position);
            consume(position, n);
            position += n;
            remaining -= n;
        }
    }

    private void readUntilClosed() throws IOException {
        long total = 0;
        while (total <= MAX_BODY_BYTES) {
            if (position == limit) {
                int n = in.read(buffer, 0, buffer.length);
                if (n < 0) {
                    return;
                }
                position = 0;
                limit = n;
            }
            int n = limit - position;
            consume(position, n);
            position = limit;
            total += n;
        }
        throw new IOException("body larger than " + MAX_BODY_BYTES + " bytes");
    }

    private void consume(int offset, int length) {
        if (errorBody != null) {
            errorBody.write(buffer, offset, Math.max(0, Math.min(length, MAX_ERROR_BODY - errorBody.size())));
            return;
        }
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = buffer[i];
            if (b == '\n') {
                endOfLine(previous == '\r' ? lineLength - 1 : lineLength);
                lineLength = 0;
            } else {
                if (lineLength < LINE_HEAD) {
                    lineHead[lineLength] = b;
                }
                lineLength++;
            }
            previous = b;
        }
    }

    /** Classifies an SSE line by its first bytes: {@code data: [DONE]}, another {@code data:} line, or neither. */
    private void endOfLine(int length) {
        if (length < 5
                || lineHead[0] != 'd'
                || lineHead[1] != 'a'
                || lineHead[2] != 't'
                || lineHead[3] != 'a'
                || lineHead[4] != ':') {
            return; // blank separators, comments, event:/id: lines
        }
        long now = System.nanoTime();
        if (firstData < 0) {
            firstData = now - start;
        }
        int payload = length > 5 && lineHead[5] == ' ' ? 6 : 5;
        if (length - payload == 6
                && lineHead[payload] == '['
                && lineHead[payload + 1] == 'D'
                && lineHead[payload + 2] == 'O'
                && lineHead[payload + 3] == 'N'
                && lineHead[payload + 4] == 'E'
                && lineHead[payload + 5] == ']') {
            if (done < 0) {
                done = now - start;
            }
        } else if (done < 0) {
            events++;
        }
    }

    /** A CRLF-terminated header or chunk-size line, without its terminator. */
    private String readLine(boolean statusLine) throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int i = 0; i < MAX_LINE; i++) {
            if (position == limit) {
                try {
                    fill();
                } catch (IOException e) {
                    if (statusLine && i == 0) {
                        throw new NothingReceived(e);
                    }
                    throw e;
                }
            }
            byte b = buffer[position++];
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) (b & 0xff));
        }
        throw new IOException("line longer than " + MAX_LINE + " bytes");
    }

    private void fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            throw new EOFException("connection closed by the server");
        }
        position = 0;
        limit = n;
    }

    private void closeQuietly() {
        Socket current = socket;
        socket = null;
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /** Nothing came back on the connection: on a reused keep-alive connection the request may be sent again. */
    private static final class NothingReceived extends IOException {
        private static final long serialVersionUID = 1L;

        NothingReceived(IOException cause) {
            super(cause.toString(), cause);
        }
    }
}
