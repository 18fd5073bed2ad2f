package dev.sluice.route;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One concrete target behind a model alias.
 *
 * @param provider      provider type, the key of a {@code ChatProvider} ("openai", "anthropic", "bedrock", ...)
 * @param upstreamModel the model name the provider expects (for Azure OpenAI: the deployment name)
 * @param baseUrl       upstream base URL; null means the provider's public endpoint (demo and Bedrock need none)
 * @param secretRef     name of the credential in the secret store; null when the upstream needs none
 * @param timeout       time allowed until the upstream's first byte
 * @param options       provider-specific settings, e.g. Azure's {@code apiVersion}, Bedrock's {@code region};
 *                      each adapter's README lists the ones it reads
 * @param idleTimeout   the longest silence allowed between two pieces of a stream; a stalled stream ends with an
 *                      error event rather than holding the client
 */
public record Deployment(
        String provider,
        String upstreamModel,
        String baseUrl,
        String secretRef,
        Pricing pricing,
        Duration timeout,
        Map<String, String> options,
        Duration idleTimeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public Deployment {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        pricing = pricing == null ? Pricing.FREE : pricing;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        options = options == null ? Map.of() : Map.copyOf(options);
        idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive");
        }
    }

    public Deployment(
            String provider,
            String upstreamModel,
            String baseUrl,
            String secretRef,
            Pricing pricing,
            Duration timeout,
            Map<String, String> options) {
        this(provider, upstreamModel, baseUrl, secretRef, pricing, timeout, options, DEFAULT_IDLE_TIMEOUT);
    }

    public Deployment(
            String provider,
            String upstreamModel,
            String baseUrl,
            String secretRef,
            Pricing pricing,
            Duration timeout) {
        this(provider, upstreamModel, baseUrl, secretRef, pricing, timeout, Map.of());
    }

    /** This deployment with a shorter time to first byte: what is left of a request's deadline. */
    public Deployment withTimeout(Duration shorter) {
        return new Deployment(provider, upstreamModel, baseUrl, secretRef, pricing, shorter, options, idleTimeout);
    }

    /** A provider setting, or {@code fallback} when the route does not set it. */
    public String option(String name, String fallback) {
        String value = options.get(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The route's base URL without a trailing slash, or {@code fallback} (the provider's public endpoint). */
    public String baseUrlOr(String fallback) {
        String url = baseUrl == null || baseUrl.isBlank() ? fallback : baseUrl;
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
