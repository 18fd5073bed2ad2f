package dev.sluice.pipeline;

/**
 * What the HTTP layer hands the pipeline: the request id it assigned, the credentials as presented, the
 * {@code anthropic-version} header (it marks a caller using an Anthropic SDK; null otherwise), the client's IP address
 * as the HTTP layer determined it (null when unknown), the body it has already bounded in size, the caller's
 * routing tags ({@code x-sluice-tags: a,b}), and its cache instructions ({@code x-sluice-cache: on|off},
 * {@code x-sluice-cache-ttl: <seconds>}); each null when absent.
 */
public record GatewayRequest(
        String requestId,
        String authorization,
        String apiKeyHeader,
        String anthropicVersion,
        String clientAddress,
        byte[] body,
        String tags,
        String cache,
        String cacheTtl) {

    public GatewayRequest(
            String requestId,
            String authorization,
            String apiKeyHeader,
            String anthropicVersion,
            String clientAddress,
            byte[] body,
            String tags) {
        this(requestId, authorization, apiKeyHeader, anthropicVersion, clientAddress, body, tags, null, null);
    }

    public GatewayRequest(
            String requestId,
            String authorization,
            String apiKeyHeader,
            String anthropicVersion,
            String clientAddress,
            byte[] body) {
        this(requestId, authorization, apiKeyHeader, anthropicVersion, clientAddress, body, null);
    }

    public GatewayRequest(
            String requestId, String authorization, String apiKeyHeader, String anthropicVersion, byte[] body) {
        this(requestId, authorization, apiKeyHeader, anthropicVersion, null, body);
    }

    public GatewayRequest(String requestId, String authorization, String apiKeyHeader, byte[] body) {
        this(requestId, authorization, apiKeyHeader, null, null, body);
    }

    /** The tags of {@code x-sluice-tags}, trimmed, without empty ones; at most 16 are read. */
    public java.util.Set<String> tagSet() {
        if (tags == null || tags.isBlank()) {
            return java.util.Set.of();
        }
        java.util.Set<String> set = new java.util.HashSet<>();
        for (String tag : tags.split(",", 17)) {
            String trimmed = tag.strip();
            if (!trimmed.isEmpty() && set.size() < 16) {
                set.add(trimmed);
            }
        }
        return set;
    }

    @Override
    public String toString() {
        return "GatewayRequest[requestId=" + requestId + ", bodyBytes=" + (body == null ? 0 : body.length) + "]";
    }
}
