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
 * @param weight        this deployment's share of its priority group under the {@code weighted} strategy (default 1;
 *                      0 takes traffic only when every other deployment of the group is unavailable)
 * @param priority      its group: lower groups are tried first by every strategy (default 0)
 */
public record Deployment(
        String provider,
        String upstreamModel,
        String baseUrl,
        String secretRef,
        Pricing pricing,
        Duration timeout,
        Map<String, String> options,
        Duration idleTimeout,
        int weight,
        int priority) {
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
        if (weight < 0 || weight > 1_000_000) {
            throw new IllegalArgumentException("weight must be 0 to 1000000");
        }
    }

    public Deployment(
            String provider,
            String upstreamModel,
            String baseUrl,
            String secretRef,
            Pricing pricing,
            Duration timeout,
            Map<String, String> options,
            Duration idleTimeout) {
        this(provider, upstreamModel, baseUrl, secretRef, pricing, timeout, options, idleTimeout, 1, 0);
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
        return new Deployment(
                provider, upstreamModel, baseUrl, secretRef, pricing, shorter, options, idleTimeout, weight, priority);
    }

    /** This deployment with its place in a route: a share under {@code weighted} and a priority group. */
    public Deployment withPlacement(int weight, int priority) {
        return new Deployment(
                provider, upstreamModel, baseUrl, secretRef, pricing, timeout, options, idleTimeout, weight, priority);
    }

    /**
     * What identifies this deployment's health across routes and instances: provider, model and endpoint. Two routes
     * naming the same endpoint and model share one breaker; the same model at two endpoints has two.
     */
    public String healthKey() {
        return baseUrl == null || baseUrl.isBlank()
                ? provider + "/" + upstreamModel
                : provider + "/" + upstreamModel + "@" + baseUrlOr("");
    }

    /** {@code <provider>/<model>}, as the {@code x-sluice-deployment} header shows it. */
    public String label() {
        return provider + "/" + upstreamModel;
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
