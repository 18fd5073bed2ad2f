package dev.sluice.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The HTTP side every HTTP-based provider adapter shares: the JDK client (HTTP/2 for TLS upstreams; plain-HTTP
 * upstreams such as vLLM, Ollama, local proxies and tests get HTTP/1.1 without an h2c upgrade), failures to connect
 * or to answer in time mapped by {@link UpstreamErrors}, and a bounded read of error bodies.
 *
 * <p>One instance serves every adapter, so connections to an upstream are pooled once per instance; each client is
 * built on first use (a JDK client starts a selector thread, which a cold start should not pay for unused schemes).
 */
public final class UpstreamHttp {
    /** Error bodies are read up to this size: enough for any provider's error JSON. */
    public static final int MAX_ERROR_BODY = 64 * 1024;

    private final Duration connectTimeout;
    private volatile HttpClient tlsClient;
    private volatile HttpClient plainClient;

    public UpstreamHttp(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** Sends the request; the caller reads and closes the body, whatever the status. */
    public HttpResponse<InputStream> send(HttpRequest request, String provider) {
        HttpClient client = "https".equalsIgnoreCase(request.uri().getScheme()) ? tlsClient() : plainClient();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(provider, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UpstreamErrors.fromIoFailure(provider, e);
        }
    }

    private HttpClient tlsClient() {
        HttpClient client = tlsClient;
        if (client == null) {
            synchronized (this) {
                if (tlsClient == null) {
                    tlsClient = HttpClient.newBuilder()
                            .connectTimeout(connectTimeout)
                            .version(HttpClient.Version.HTTP_2)
                            .build();
                }
                client = tlsClient;
            }
        }
        return client;
    }

    /** Plain-HTTP upstreams (vLLM, Ollama, proxies, tests) get HTTP/1.1, with no h2c upgrade attempt. */
    private HttpClient plainClient() {
        HttpClient client = plainClient;
        if (client == null) {
            synchronized (this) {
                if (plainClient == null) {
                    plainClient = HttpClient.newBuilder()
                            .connectTimeout(connectTimeout)
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                }
                client = plainClient;
            }
        }
        return client;
    }

    /** The start of an error body, bounded so a misbehaving upstream cannot fill the heap. */
    public static byte[] errorBody(InputStream body) throws IOException {
        return body.readNBytes(MAX_ERROR_BODY);
    }
}
