package dev.sluice.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullResponse;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * The AWS SDK's synchronous HTTP client over the JDK's {@link HttpURLConnection}, sending each request's body from a
 * buffer together with its headers. The SDK's own URL-connection client streams bodies ({@code
 * setFixedLengthStreamingMode}), and for a streamed POST on a reused keep-alive connection the JDK first runs a
 * stale-connection check that sets a 1 ms socket timeout, reads, and catches the timeout: every DynamoDB call waited
 * at least 1 ms and threw an exception. A buffered POST skips that check. Measured on DynamoDB Local (one {@code
 * GetItem} through the SDK, p50): 1.5 ms with the SDK's URL-connection client, 0.45 ms with the JDK's {@code
 * java.net.http.HttpClient} under the SDK (its selector and executor hand-offs), 0.2–0.3 ms with this one, which
 * runs on the calling thread. The SDK ships no such client, so this is the small part we need, written here; the
 * Apache client would be another megabyte of jars and its classes to load at cold start.
 *
 * <p>The gateway's requests to AWS are small JSON documents, so buffering them costs nothing; responses stream. The
 * SDK's call and attempt timeouts govern: an attempt that runs out is {@linkplain ExecutableHttpRequest#abort()
 * aborted}, which closes its connection; the connect and read timeouts only back that up. Idle connections are kept
 * by the JDK's keep-alive cache ({@link UrlConnectionPool} sizes it). Methods: those {@code HttpURLConnection} knows
 * (not {@code PATCH}, which no API the gateway calls uses).
 */
public final class BufferedUrlConnectionHttpClient implements SdkHttpClient {
    /**
     * Headers {@code HttpURLConnection} sets itself and drops or refuses from a caller. The SDK signs {@code host}
     * and {@code content-length}; the JDK sends the same values (the URL's authority, the buffer's length), so the
     * signature holds.
     */
    private static final Set<String> SET_BY_THE_JDK =
            Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding", "keep-alive");

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    private BufferedUrlConnectionHttpClient(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
    }

    /**
     * @param connectTimeout bound on opening a connection
     * @param readTimeout    bound on any one wait for the server's bytes
     */
    public static BufferedUrlConnectionHttpClient create(Duration connectTimeout, Duration readTimeout) {
        return new BufferedUrlConnectionHttpClient(connectTimeout, readTimeout);
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new Exchange(
                request.httpRequest(), request.contentStreamProvider().orElse(null));
    }

    @Override
    public String clientName() {
        return "BufferedUrlConnection";
    }

    @Override
    public void close() {
        // nothing of its own: idle connections belong to the JDK's keep-alive cache
    }

    /** One request, made on the calling thread when the SDK calls it, cut off when the SDK's timeout aborts it. */
    private final class Exchange implements ExecutableHttpRequest {
        private final SdkHttpRequest request;
        private final ContentStreamProvider content;
        private volatile HttpURLConnection connection;
        private volatile boolean aborted;

        Exchange(SdkHttpRequest request, ContentStreamProvider content) {
            this.request = request;
            this.content = content;
        }

        @Override
        public HttpExecuteResponse call() throws IOException {
            URI uri = request.getUri();
            HttpURLConnection http = (HttpURLConnection) uri.toURL().openConnection();
            connection = http;
            if (aborted) {
                throw new InterruptedIOException("the request to " + uri + " was aborted");
            }
            http.setConnectTimeout(connectTimeoutMillis);
            http.setReadTimeout(readTimeoutMillis);
            http.setInstanceFollowRedirects(false);
            http.setUseCaches(false);
            http.setRequestMethod(request.method().name());
            request.forEachHeader((name, values) -> {
                if (!SET_BY_THE_JDK.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> http.addRequestProperty(name, value));
                }
            });
            byte[] body = body();
            if (body.length > 0 || request.method() == SdkHttpMethod.POST || request.method() == SdkHttpMethod.PUT) {
                http.setDoOutput(true);
                try (OutputStream out = http.getOutputStream()) { // buffered: sent with the headers
                    out.write(body);
                }
            }
            try {
                int status = http.getResponseCode();
                InputStream stream = status >= 400 ? http.getErrorStream() : http.getInputStream();
                InputStream responseBody = stream == null ? new ByteArrayInputStream(new byte[0]) : stream;
                SdkHttpFullResponse head = SdkHttpFullResponse.builder()
                        .statusCode(status)
                        .statusText(http.getResponseMessage())
                        .headers(headers(http))
                        .build();
                return HttpExecuteResponse.builder()
                        .response(head)
                        .responseBody(AbortableInputStream.create(responseBody, http::disconnect))
                        .build();
            } catch (IOException e) {
                if (aborted) {
                    InterruptedIOException cut = new InterruptedIOException("the request to " + uri + " was aborted");
                    cut.initCause(e);
                    throw cut;
                }
                throw e;
            }
        }

        private byte[] body() throws IOException {
            if (content == null) {
                return new byte[0];
            }
            try (InputStream in = content.newStream()) {
                return in.readAllBytes();
            }
        }

        @Override
        public void abort() {
            aborted = true;
            HttpURLConnection http = connection;
            if (http != null) {
                http.disconnect(); // closes the socket: a blocked read or write fails at once
            }
        }
    }

    /** The response's headers without the status line, which {@code HttpURLConnection} lists under a null name. */
    private static Map<String, List<String>> headers(HttpURLConnection http) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        http.getHeaderFields().forEach((name, values) -> {
            if (name != null) {
                headers.put(name, values);
            }
        });
        return headers;
    }
}
