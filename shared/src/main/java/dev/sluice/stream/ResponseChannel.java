package dev.sluice.stream;

import java.io.OutputStream;
import java.util.Map;

/**
 * The client's side of one HTTP exchange, as the pipeline needs it. The router implements it over its HTTP server;
 * tests implement it in memory. Implementations throw {@link ClientDisconnectedException} when the client is gone.
 */
public interface ResponseChannel {

    /** A complete response with a fixed-length body. */
    void sendJson(int status, Map<String, String> headers, byte[] body);

    /** Starts a chunked response; every {@code flush()} on the stream must reach the client. */
    OutputStream startStream(int status, Map<String, String> headers);
}
