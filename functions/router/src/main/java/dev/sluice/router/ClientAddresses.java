package dev.sluice.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.sluice.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Where the client's IP address, for IP allowlists, comes from. Locally it is the socket's peer. In Lambda every
 * connection comes from the Web Adapter on loopback, which forwards API Gateway's request context in the
 * {@code x-amzn-request-context} header; its {@code identity.sourceIp} is the address API Gateway saw, which a client
 * cannot set ({@code X-Forwarded-For} it can, so it is never read).
 */
public enum ClientAddresses {
    /** The socket's peer: the dev stack, containers, anything without a proxy in front. */
    SOCKET,
    /** API Gateway's {@code identity.sourceIp}, trusted only on connections from loopback (the Web Adapter). */
    API_GATEWAY_REQUEST_CONTEXT;

    static final String REQUEST_CONTEXT_HEADER = "x-amzn-request-context";

    /** {@code SLUICE_CLIENT_ADDRESS=api-gateway} (the CDK stack sets it) or the default, {@code socket}. */
    public static ClientAddresses fromSetting(String value) {
        return "api-gateway".equalsIgnoreCase(value) ? API_GATEWAY_REQUEST_CONTEXT : SOCKET;
    }

    /** The client's address, or null when it cannot be known (an allowlist then refuses the request). */
    String of(HttpExchange exchange) {
        InetSocketAddress peer = exchange.getRemoteAddress();
        String socket = peer == null || peer.getAddress() == null
                ? null
                : peer.getAddress().getHostAddress();
        if (this == SOCKET) {
            return socket;
        }
        if (peer == null || peer.getAddress() == null || !peer.getAddress().isLoopbackAddress()) {
            return null; // only the adapter may speak for API Gateway
        }
        String context = exchange.getRequestHeaders().getFirst(REQUEST_CONTEXT_HEADER);
        if (context == null) {
            return null;
        }
        try {
            JsonNode sourceIp = Json.MAPPER.readTree(context).path("identity").path("sourceIp");
            return sourceIp.isTextual() ? sourceIp.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
