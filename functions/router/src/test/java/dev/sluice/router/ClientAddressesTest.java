package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which address IP allowlists see, through a real JDK HTTP server on loopback. */
class ClientAddressesTest {
    private static final String CONTEXT = "{\"identity\":{\"sourceIp\":\"203.0.113.9\"},\"stage\":\"prod\"}";

    private HttpServer server;

    private String addressSeen(ClientAddresses mode, String requestContext) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] seen = String.valueOf(mode.of(exchange)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, seen.length);
            exchange.getResponseBody().write(seen);
            exchange.close();
        });
        server.start();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
        request.header("X-Forwarded-For", "198.51.100.1");
        if (requestContext != null) {
            request.header(ClientAddresses.REQUEST_CONTEXT_HEADER, requestContext);
        }
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void socket_isThePeer_whateverTheHeadersClaim() throws Exception {
        assertThat(addressSeen(ClientAddresses.SOCKET, CONTEXT)).isEqualTo("127.0.0.1");
    }

    @Test
    void apiGateway_isTheSourceIpOfTheForwardedRequestContext_neverXForwardedFor() throws Exception {
        assertThat(addressSeen(ClientAddresses.API_GATEWAY_REQUEST_CONTEXT, CONTEXT))
                .isEqualTo("203.0.113.9");
    }

    @Test
    void apiGateway_withoutAReadableContext_isUnknown() throws Exception {
        assertThat(addressSeen(ClientAddresses.API_GATEWAY_REQUEST_CONTEXT, null))
                .isEqualTo("null");
        stop();
        assertThat(addressSeen(ClientAddresses.API_GATEWAY_REQUEST_CONTEXT, "{not json"))
                .isEqualTo("null");
    }

    @Test
    void fromSetting_defaultsToTheSocket() {
        assertThat(ClientAddresses.fromSetting(null)).isEqualTo(ClientAddresses.SOCKET);
        assertThat(ClientAddresses.fromSetting("api-gateway")).isEqualTo(ClientAddresses.API_GATEWAY_REQUEST_CONTEXT);
    }
}
