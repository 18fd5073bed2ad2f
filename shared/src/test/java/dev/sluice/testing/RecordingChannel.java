package dev.sluice.testing;

import dev.sluice.stream.ResponseChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An in-memory client for pipeline tests: records status, headers and every flushed piece of a stream, and can
 * play a client that hangs up after a number of flushes.
 */
public final class RecordingChannel implements ResponseChannel {
    public int status;
    public Map<String, String> headers;
    public final ByteArrayOutputStream body = new ByteArrayOutputStream();
    public final List<String> flushes = new ArrayList<>();
    public boolean streamed;
    private final int disconnectAfterFlushes;

    public RecordingChannel() {
        this(Integer.MAX_VALUE);
    }

    public RecordingChannel(int disconnectAfterFlushes) {
        this.disconnectAfterFlushes = disconnectAfterFlushes;
    }

    @Override
    public void sendJson(int status, Map<String, String> headers, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.body.writeBytes(body);
    }

    @Override
    public OutputStream startStream(int status, Map<String, String> headers) {
        this.status = status;
        this.headers = headers;
        this.streamed = true;
        return new OutputStream() {
            private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                pending.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                pending.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (flushes.size() >= disconnectAfterFlushes) {
                    throw new IOException("Broken pipe");
                }
                flushes.add(pending.toString(StandardCharsets.UTF_8));
                body.writeBytes(pending.toByteArray());
                pending.reset();
            }
        };
    }

    public String bodyText() {
        return body.toString(StandardCharsets.UTF_8);
    }
}
