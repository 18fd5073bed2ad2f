package dev.sluice.router;

import dev.sluice.auth.ApiKeyAuthenticator;
import dev.sluice.auth.KeyRepository;
import dev.sluice.pipeline.ChatCompletionPipeline;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.RequestAdmitter;
import dev.sluice.route.RouteRepository;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.CachingSecretStore;
import dev.sluice.secret.SecretStore;
import dev.sluice.store.CachedKeyRepository;
import dev.sluice.store.CachedRouteRepository;
import dev.sluice.usage.UsagePublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Composes the pipeline from its ports, the same way in Lambda, in dev mode and in tests: keys and routes behind
 * a short per-instance cache, secrets behind a longer one, counters always straight to the shared ledger.
 */
public final class GatewayWiring {
    private GatewayWiring() {
    }

    public static ChatCompletionPipeline pipeline(KeyRepository keys, RouteRepository routes, QuotaLedger ledger,
                                                  SecretStore secrets, UsagePublisher usage,
                                                  List<ChatProvider> providers, Duration cacheTtl,
                                                  Duration secretTtl, Clock clock) {
        return new ChatCompletionPipeline(
                new ApiKeyAuthenticator(new CachedKeyRepository(keys, cacheTtl, clock), clock),
                new RouteResolver(new CachedRouteRepository(routes, cacheTtl, clock)),
                new RequestAdmitter(ledger, clock),
                new CachingSecretStore(secrets, secretTtl, clock),
                new ProviderRegistry(providers),
                usage,
                clock,
                System::nanoTime);
    }
}
