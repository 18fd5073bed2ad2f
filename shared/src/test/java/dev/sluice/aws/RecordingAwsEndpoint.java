package dev.sluice.aws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback stand-in for an AWS JSON-protocol endpoint that records each request (headers by lower-case name, plus
 * {@code body} and {@code path}) and answers 200 with a scripted JSON body: for comparing what a direct call sends
 * with what the SDK sends, header by header and signature by signature.
 */
final class RecordingAwsEndpoint implements AutoCloseable {
    final ConcurrentLinkedQueue<Map<String, String>> received = new ConcurrentLinkedQueue<>();
    private final HttpServer server;

    RecordingAwsEndpoint(String contentType, Supplier<String> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            Map<String, String> request = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> request.put(name.toLowerCase(), values.getFirst()));
            request.put("body", new String(exchange.getRequestBody().readAllBytes(), UTF_8));
            request.put("path", exchange.getRequestURI().getPath());
            received.add(request);
            byte[] body = answer.get().getBytes(UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * The direct request was signed as the SDK signed its own: over the same headers (less the SDK's bookkeeping
     * ones) and with the same credential scope, for {@code service} in eu-west-1.
     */
    static void assertSignedAsTheSdkSigns(Map<String, String> direct, Map<String, String> bySdk, String service) {
        assertThat(signedHeaders(direct.get("authorization")))
                .as("signed headers: the SDK's, less its own bookkeeping headers")
                .isEqualTo(signedHeaders(bySdk.get("authorization"))
                        .replace("amz-sdk-invocation-id;", "")
                        .replace("amz-sdk-request;", ""));
        assertThat(scope(direct.get("authorization"))).isEqualTo(scope(bySdk.get("authorization")));
        assertThat(scope(direct.get("authorization"))).endsWith("/eu-west-1/" + service + "/aws4_request");
    }

    /** The {@code SignedHeaders} of a SigV4 {@code Authorization} header. */
    private static String signedHeaders(String authorization) {
        return part(authorization, "SignedHeaders=([^,]+)");
    }

    /** The credential scope without its date: key id, region, service, terminator. */
    private static String scope(String authorization) {
        return part(authorization, "Credential=([^,]+)").replaceFirst("/\\d{8}/", "/<date>/");
    }

    private static String part(String authorization, String pattern) {
        Matcher matcher = Pattern.compile(pattern).matcher(authorization);
        assertThat(matcher.find()).as("%s in %s", pattern, authorization).isTrue();
        return matcher.group(1);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
