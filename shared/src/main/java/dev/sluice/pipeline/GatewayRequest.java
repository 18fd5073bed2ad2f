package dev.sluice.pipeline;

/**
 * What the HTTP layer hands the pipeline: the request id it assigned, the credentials as presented, and the body
 * it has already bounded in size.
 */
public record GatewayRequest(String requestId, String authorization, String apiKeyHeader, byte[] body) {
    @Override
    public String toString() {
        return "GatewayRequest[requestId=" + requestId + ", bodyBytes=" + (body == null ? 0 : body.length) + "]";
    }
}
