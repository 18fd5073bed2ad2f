package dev.sluice.pipeline;

/**
 * What the HTTP layer hands the pipeline: the request id it assigned, the credentials as presented, the
 * {@code anthropic-version} header (it marks a caller using an Anthropic SDK; null otherwise), the client's IP address
 * as the HTTP layer determined it (null when unknown), and the body it has already bounded in size.
 */
public record GatewayRequest(
        String requestId,
        String authorization,
        String apiKeyHeader,
        String anthropicVersion,
        String clientAddress,
        byte[] body) {

    public GatewayRequest(
            String requestId, String authorization, String apiKeyHeader, String anthropicVersion, byte[] body) {
        this(requestId, authorization, apiKeyHeader, anthropicVersion, null, body);
    }

    public GatewayRequest(String requestId, String authorization, String apiKeyHeader, byte[] body) {
        this(requestId, authorization, apiKeyHeader, null, null, body);
    }

    @Override
    public String toString() {
        return "GatewayRequest[requestId=" + requestId + ", bodyBytes=" + (body == null ? 0 : body.length) + "]";
    }
}
