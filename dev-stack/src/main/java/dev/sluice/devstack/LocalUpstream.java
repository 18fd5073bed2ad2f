package dev.sluice.devstack;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import dev.sluice.router.GatewayWiring;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterServer;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.store.InMemoryUsageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A stand-in for a provider on this machine: an OpenAI-compatible server on 127.0.0.1 whose every model is the demo
 * model, for trying routing and failover locally ({@code gatewayctl dev upstream --port 9101}). Routes reach it as an
 * {@code openai-compatible} deployment with base URL {@code http://127.0.0.1:<port>/v1} and
 * {@code secretRef: local-upstream}, a secret the dev stack holds ({@link #KEY}). Stop it (Ctrl-C) to see a
 * deployment fail; start it again on the same port to see it recover.
 *
 * <p>It is Sluice's own request path with the demo provider behind it, so it speaks OpenAI's wire format exactly as
 * the gateway does: streamed or whole answers, usage in the last chunk.
 */
public final class LocalUpstream implements AutoCloseable {
    /** The name routes give as {@code secretRef}; the dev stack holds {@link #KEY} under it. */
    public static final String SECRET_NAME = "local-upstream";
    /** The one key this server accepts; a local stand-in, never a real credential. */
    public static final String KEY = "sk-sluice-local-upstream-0000000000000000";

    private final RouterServer server;

    private LocalUpstream(RouterServer server) {
        this.server = server;
    }

    /**
     * @param firstByteDelay a pause before each answer's first byte, to make one stand-in slower than another for
     *                       the {@code latency} strategy
     * @param wordDelay      the demo model's pause between words
     */
    public static LocalUpstream start(int port, Duration firstByteDelay, Duration wordDelay) {
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        String hash = ApiKeys.sha256Hex(KEY);
        keys.put(hash, ApiKey.app(ApiKeys.keyIdFor(hash), "local", "local-upstream", Set.of(), Limits.NONE));
        GatewayPipeline pipeline = GatewayWiring.pipeline(
                keys,
                new InMemoryTenantRepository(),
                new EveryModelIsTheDemo(),
                new InMemoryQuotaLedger(),
                new InMemoryUsageStore(),
                new LocalSecretStore(Map.of()),
                new InMemoryUsagePublisher(),
                List.of(new DemoProvider(wordDelay, firstByteDelay)),
                Duration.ZERO,
                Duration.ZERO,
                Clock.systemUTC());
        try {
            return new LocalUpstream(
                    RouterServer.start("127.0.0.1", port, pipeline, RouterConfig.DEFAULT_MAX_BODY_BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    /** {@code http://127.0.0.1:<port>/v1}: the base URL a route's deployment names. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.port() + "/v1");
    }

    @Override
    public void close() {
        server.close();
    }

    /** Whatever model a route names is served by the demo provider under that name. */
    private static final class EveryModelIsTheDemo implements RouteRepository {
        @Override
        public Optional<Route> find(String alias) {
            return Optional.of(new Route(
                    alias, List.of(new Deployment(DemoProvider.TYPE, alias, null, null, Pricing.FREE, null))));
        }

        @Override
        public List<Route> findAll() {
            return List.of();
        }

        @Override
        public void put(Route route) {
            throw new UnsupportedOperationException("the local upstream serves every model; it stores no routes");
        }

        @Override
        public void delete(String alias) {
            throw new UnsupportedOperationException("the local upstream serves every model; it stores no routes");
        }
    }
}
