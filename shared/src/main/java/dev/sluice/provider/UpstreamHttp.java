package dev.sluice.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The HTTP side every HTTP-based provider adapter shares: one {@link BlockingHttp1Client} (HTTP/1.1, plain or TLS,
 * read on the request's own virtual thread, keep-alive connections pooled per origin), failures to connect or to
 * answer in time mapped by {@link UpstreamErrors}, and a bounded read of error bodies.
 *
 * <p>Why HTTP/1.1 and not the JDK client's HTTP/2: a streamed chunk then costs the router one wake-up of the thread
 * that relays it, not a selector thread's read, a worker's hand-off and the relaying thread's wake-up (a quarter of
 * the router's CPU per paced stream, bench/README.md "The router alone"); and many concurrent streams to one provider
 * get a connection each, where the JDK client put them all on one HTTP/2 connection and failed those beyond the
 * server's concurrent-stream limit (JDK-8225647). What HTTP/2 would give, one connection for many streams, saves a TLS
 * handshake per concurrent stream, once: pooled connections carry the next requests.
 *
 * <p>One instance serves every adapter, so connections to an upstream are pooled once per router; nothing is opened
 * before the first call (priming does not call it, so a SnapStart snapshot holds no connection).
 */
public final class UpstreamHttp {
    /** Error bodies are read up to this size: enough for any provider's error JSON. */
    public static final int MAX_ERROR_BODY = 64 * 1024;

    private final BlockingHttp1Client client;

    public UpstreamHttp(Duration connectTimeout) {
        this.client = new BlockingHttp1Client(connectTimeout);
    }

    /** Sends the request; the caller reads and closes the body, whatever the status. */
    public HttpResponse<InputStream> send(HttpRequest request, String provider) {
        try {
            return client.send(request);
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(provider, e);
        }
    }

    /** The start of an error body, bounded so a misbehaving upstream cannot fill the heap. */
    public static byte[] errorBody(InputStream body) throws IOException {
        return body.readNBytes(MAX_ERROR_BODY);
    }
}
