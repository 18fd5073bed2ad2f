package dev.sluice.router;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.session.SessionTokenSource;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Route;
import dev.sluice.secret.SecretNotFoundException;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.store.InMemoryUsageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A whole gateway on in-memory ports and the demo model: one tenant with an app key and an admin key, the {@code demo}
 * alias, and a session signing key, so every endpoint reaches its parsing.
 */
record InMemoryGateway(GatewayPipeline pipeline, String appKey, String adminKey) {

    static InMemoryGateway create(Duration demoDelayPerToken) {
        InMemoryTenantRepository tenants = new InMemoryTenantRepository();
        tenants.put(new Tenant("t", "T", Tenant.Status.ACTIVE, Set.of(), Limits.NONE));
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        String app = storeKey(keys, ApiKey.Role.APP);
        String admin = storeKey(keys, ApiKey.Role.ADMIN);
        InMemoryRouteRepository routes = new InMemoryRouteRepository();
        routes.put(new Route("demo", List.of(new Deployment(DemoProvider.TYPE, "demo-1", null, null, null, null))));
        String ring =
                "{\"keys\":[{\"kid\":\"k1\",\"secret\":\"" + Base64.getEncoder().encodeToString(new byte[32]) + "\"}]}";
        GatewayPipeline pipeline = GatewayWiring.pipeline(
                keys,
                tenants,
                routes,
                new InMemoryQuotaLedger(),
                new InMemoryUsageStore(),
                name -> {
                    if (!name.equals(SessionTokenSource.SECRET_NAME)) {
                        throw new SecretNotFoundException(name);
                    }
                    return ring;
                },
                new InMemoryUsagePublisher(),
                List.of(new DemoProvider(demoDelayPerToken)),
                Duration.ZERO,
                Duration.ZERO,
                Clock.systemUTC());
        return new InMemoryGateway(pipeline, app, admin);
    }

    private static String storeKey(InMemoryKeyRepository keys, ApiKey.Role role) {
        String plain = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(plain);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        "t",
                        role.wireName(),
                        role,
                        ApiKey.Status.ACTIVE,
                        Set.of(),
                        Limits.NONE,
                        null));
        return plain;
    }
}
