package dev.sluice.pipeline;

/**
 * What the HTTP layer hands the pipeline: the request id it assigned, the credentials as presented, the
 * {@code anthropic-version} header (it marks a caller using an Anthropic SDK; null otherwise), and the body it has
 * already bounded in size.
 */
public record GatewayRequest(
        String requestId, String authorization, String apiKeyHeader, String anthropicVersion, byte[] body) {

    public GatewayRequest(String requestId, String authorization, String apiKeyHeader, byte[] body) {
        this(requestId, authorization, apiKeyHeader, null, body);
    }

    @Override
    public String toString() {
        return "GatewayRequest[requestId=" + requestId + ", bodyBytes=" + (body == null ? 0 : body.length) + "]";
    }
}
