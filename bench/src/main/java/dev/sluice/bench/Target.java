package dev.sluice.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * Where a benchmark client sends its streamed chat request: the gateway or the fake upstream directly. The request
 * bytes are built once, so the client spends nothing on encoding while it is timed.
 *
 * @param name           the label in the report: "direct", "gateway-no-limits", "gateway-rpm" or
 *                       "gateway-all-limits"
 * @param expectedEvents SSE data events (without {@code [DONE]}) a complete answer has
 */
record Target(String name, InetSocketAddress address, byte[] request, int expectedEvents) {

    /**
     * A target for {@code POST <base>/chat/completions} with {@code stream: true} and
     * {@code stream_options.include_usage}, so the answer is the role chunk, the content chunks, the finish chunk
     * and the usage chunk, then {@code [DONE]}.
     *
     * @param base   the base URL up to and including {@code /v1}
     * @param bearer the API key, or null for the fake upstream, which needs none
     */
    static Target streamingChat(String name, URI base, String bearer, String model, int contentChunks) {
        byte[] body = ("{\"model\":\"" + model + "\",\"messages\":["
                        + "{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                        + "{\"role\":\"user\",\"content\":\"Hello!\"}],"
                        + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
                .getBytes(UTF_8);
        byte[] request = chatCompletionsPost(base, bearer, body);
        return new Target(name, new InetSocketAddress(base.getHost(), base.getPort()), request, contentChunks + 3);
    }

    /**
     * The bytes of {@code POST <base>/chat/completions} carrying {@code body}, ready to write to a connection.
     *
     * @param base   the base URL up to and including {@code /v1}, on 127.0.0.1
     * @param bearer the API key, or null for the fake upstream, which needs none
     */
    static byte[] chatCompletionsPost(URI base, String bearer, byte[] body) {
        if (!"127.0.0.1".equals(base.getHost())) {
            throw new IllegalArgumentException("the benchmark only talks to 127.0.0.1, not " + base);
        }
        String path = (base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/") + "chat/completions";
        StringBuilder head = new StringBuilder()
                .append("POST ")
                .append(path)
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(base.getHost())
                .append(':')
                .append(base.getPort())
                .append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Accept: text/event-stream\r\n");
        if (bearer != null) {
            head.append("Authorization: Bearer ").append(bearer).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(UTF_8);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** Why this answer does not count as a complete stream, or null when it does. */
    String problemWith(StreamResult result) {
        if (result.error() != null) {
            return result.error();
        }
        if (!result.done()) {
            return "stream ended without [DONE] after " + result.events() + " events";
        }
        if (result.events() != expectedEvents) {
            return "expected " + expectedEvents + " data events before [DONE], got " + result.events();
        }
        return null;
    }

    @Override
    public String toString() {
        return name + " " + address;
    }
}
