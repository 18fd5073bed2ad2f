package dev.sluice.router;

import dev.sluice.admin.AdminApi;
import dev.sluice.audit.AuditLog;
import dev.sluice.audit.InMemoryAuditLog;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.TenantRepository;
import dev.sluice.auth.session.SessionTokenSource;
import dev.sluice.guard.BedrockGuardrails;
import dev.sluice.health.BreakerPolicy;
import dev.sluice.health.DeploymentHealth;
import dev.sluice.health.HealthBoard;
import dev.sluice.health.HealthStore;
import dev.sluice.health.InMemoryHealthStore;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.provider.anthropic.AnthropicProvider;
import dev.sluice.provider.bedrock.BedrockProvider;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.provider.gemini.GeminiProvider;
import dev.sluice.provider.openai.AzureOpenAiDialect;
import dev.sluice.provider.openai.EntraTokenSource;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.provider.openai.OpenAiPreset;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.route.RouteRepository;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.CachingSecretStore;
import dev.sluice.secret.SecretStore;
import dev.sluice.store.CachedKeyRepository;
import dev.sluice.store.CachedRouteRepository;
import dev.sluice.store.CachedTenantRepository;
import dev.sluice.usage.EmfMetricsPublisher;
import dev.sluice.usage.FallbackUsagePublisher;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.UsageOutbox;
import dev.sluice.usage.UsagePublisher;
import dev.sluice.usage.store.UsageStore;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Composes the pipeline from its ports, the same way in Lambda, in dev mode and in tests: keys and routes behind
 * a short per-instance cache, secrets behind a longer one, counters always straight to the shared ledger.
 */
public final class GatewayWiring {
    private GatewayWiring() {}

    /**
     * A pipeline whose breakers share nothing beyond this process and whose management actions are audited in memory
     * only (priming, stand-in upstreams, tests).
     */
    public static GatewayPipeline pipeline(
            KeyRepository keys,
            TenantRepository tenants,
            RouteRepository routes,
            QuotaLedger ledger,
            UsageStore usageRows,
            SecretStore secrets,
            UsagePublisher usage,
            List<?> providers,
            Duration cacheTtl,
            Duration secretTtl,
            Clock clock) {
        return pipeline(
                keys,
                tenants,
                routes,
                ledger,
                new HealthBoard(new InMemoryHealthStore(), BreakerPolicy.DEFAULT, clock::millis),
                CacheStores.NONE,
                usageRows,
                secrets,
                usage,
                providers,
                cacheTtl,
                secretTtl,
                new InMemoryAuditLog(),
                clock);
    }

    /**
     * @param health the deployments' breakers and moving averages, shared with every other instance through the
     *               counters table in AWS and in dev mode ({@link #healthBoard})
     * @param cache  where answers and prompt embeddings are cached (the response cache table in AWS and in dev mode)
     * @param audit  where the management API records what it changes (the audit table in AWS and in dev mode)
     */
    public static GatewayPipeline pipeline(
            KeyRepository keys,
            TenantRepository tenants,
            RouteRepository routes,
            QuotaLedger ledger,
            DeploymentHealth health,
            CacheStores cache,
            UsageStore usageRows,
            SecretStore secrets,
            UsagePublisher usage,
            List<?> providers,
            Duration cacheTtl,
            Duration secretTtl,
            AuditLog audit,
            Clock clock) {
        CachingSecretStore cachedSecrets = new CachingSecretStore(secrets, secretTtl, clock);
        CachedKeyRepository cachedKeys = new CachedKeyRepository(keys, cacheTtl, clock);
        SessionTokenSource sessions = new SessionTokenSource(cachedSecrets, clock);
        Authenticator authenticator =
                new Authenticator(cachedKeys, new CachedTenantRepository(tenants, cacheTtl, clock), sessions, clock);
        return new GatewayPipeline(
                authenticator,
                new RouteResolver(new CachedRouteRepository(routes, cacheTtl, clock)),
                new Admitter(ledger, clock),
                cachedSecrets,
                new ProviderRegistry(providers),
                usage,
                clock,
                System::nanoTime,
                health,
                cache,
                new AdminApi(authenticator, cachedKeys, sessions, usageRows, audit, clock));
    }

    /**
     * Usage to the stream, to the outbox when the stream does not take an event within {@code streamBudget}, to a
     * replayable log line when the outbox fails too ({@link FallbackUsagePublisher}); with {@code emf} non-null, each
     * event also as a CloudWatch EMF line there, with the breakers {@code census} reports.
     */
    public static UsagePublisher usagePublisher(
            KinesisUsagePublisher stream,
            UsageOutbox outbox,
            Duration streamBudget,
            PrintStream emf,
            Supplier<DeploymentHealth.Census> census) {
        UsagePublisher durable = FallbackUsagePublisher.create(stream, outbox, streamBudget);
        return emf == null ? durable : new EmfMetricsPublisher(durable, emf, census);
    }

    /** Breakers shared through {@code shared} with the policy the environment sets ({@code SLUICE_BREAKER_*}). */
    public static HealthBoard healthBoard(HealthStore shared, Map<String, String> env, Clock clock) {
        return new HealthBoard(shared, BreakerPolicy.fromEnvironment(env), clock::millis);
    }

    /**
     * Every provider adapter Sluice ships, ready for any route to name, and the guard's Bedrock Guardrails engine. The HTTP adapters share one upstream
     * client ({@code UpstreamHttp}: no thread, and no connection until a request), and Bedrock's AWS clients are built
     * on first use, so unused providers cost a cold start nothing.
     *
     * @param demoDelay pause between the demo model's words (zero in Lambda, a little in dev mode for realism)
     * @param region    the AWS region Bedrock calls default to
     */
    public static List<Object> providers(Duration connectTimeout, Duration demoDelay, String region, Clock clock) {
        UpstreamHttp http = new UpstreamHttp(connectTimeout);
        List<Object> providers = new ArrayList<>();
        providers.add(new DemoProvider(demoDelay));
        for (OpenAiPreset preset : OpenAiPreset.ALL) {
            providers.add(new OpenAiCompatibleProvider(preset, http));
        }
        providers.add(new OpenAiCompatibleProvider(
                new AzureOpenAiDialect(new EntraTokenSource(connectTimeout, clock)), http));
        providers.add(new AnthropicProvider(http));
        providers.add(new GeminiProvider(http));
        providers.add(new BedrockProvider(region, connectTimeout));
        providers.add(BedrockGuardrails.create(region, connectTimeout, BedrockGuardrails.DEFAULT_TIMEOUT));
        return providers;
    }

    /**
     * Registers the SnapStart hooks for provider clients: every provider that holds closeable clients (today
     * Bedrock's AWS clients with their Netty event loop and connection pool, and the guardrails engine's) is closed before the snapshot and
     * again after each restore, and builds its clients afresh on next use, so no connection or event-loop thread is
     * carried through a snapshot. The HTTP adapters' client ({@code UpstreamHttp}) opens connections only for
     * requests, and priming sends none through it, so it holds none at the snapshot.
     */
    public static void closeClientsAtSnapshot(List<?> providers, SnapStartHooks hooks) {
        for (Object provider : providers) {
            if (provider instanceof AutoCloseable closeable) {
                String name = "close-" + provider.getClass().getSimpleName();
                Runnable close = () -> {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot close " + provider, e);
                    }
                };
                hooks.beforeCheckpoint(name, close);
                hooks.afterRestore(name, close);
            }
        }
    }
}
