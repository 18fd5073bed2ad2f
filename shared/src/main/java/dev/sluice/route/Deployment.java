package dev.sluice.route;

import java.time.Duration;
import java.util.Objects;

/**
 * One concrete target behind a model alias.
 *
 * @param provider      provider type, the key of a {@code ChatProvider} ("demo", "openai-compatible", ...)
 * @param upstreamModel the model name the provider expects
 * @param baseUrl       upstream base URL (for OpenAI-compatible: up to and including {@code /v1}); null for demo
 * @param secretRef     name of the credential in the secret store; null when the upstream needs none
 * @param timeout       time allowed until the upstream's first byte
 */
public record Deployment(String provider, String upstreamModel, String baseUrl, String secretRef, Pricing pricing,
                         Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public Deployment {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        pricing = pricing == null ? Pricing.FREE : pricing;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }
}
