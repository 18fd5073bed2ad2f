package dev.sluice.provider;

import dev.sluice.api.EmbeddingRequest;
import dev.sluice.route.Deployment;

/** What an embedding provider needs for one call; the credential is null when the deployment has no secret. */
public record EmbeddingCall(String requestId, EmbeddingRequest request, Deployment deployment, String credential) {
    @Override
    public String toString() {
        return "EmbeddingCall[requestId=" + requestId + ", model=" + deployment.upstreamModel() + ", credential="
                + (credential == null ? "none" : "***") + "]";
    }
}
