package dev.sluice.provider;

import dev.sluice.api.ChatRequest;
import dev.sluice.route.Deployment;

/**
 * What a provider needs for one call.
 *
 * @param credential the secret from the deployment's {@code secretRef}, or null when it has none
 */
public record ProviderCall(String requestId, ChatRequest request, Deployment deployment, String credential) {
    @Override
    public String toString() {
        return "ProviderCall[requestId=" + requestId + ", model=" + deployment.upstreamModel() + ", credential="
                + (credential == null ? "none" : "***") + "]";
    }
}
