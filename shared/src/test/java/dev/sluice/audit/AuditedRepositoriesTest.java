package dev.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.Tenant;
import dev.sluice.json.Json;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Route;
import dev.sluice.route.RoutingStrategy;
import dev.sluice.testing.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each kind of change, through its audited repository, leaves one entry with the real before and after. */
class AuditedRepositoriesTest {
    private static final Instant NOW = Instant.parse("2026-12-05T19:00:00.250Z");
    private static final String ACTOR = "alice@gatewayctl";

    private final MutableClock clock = new MutableClock(NOW);
    private final InMemoryAuditLog log = new InMemoryAuditLog();
    private final Auditor auditor = Auditor.of(log, AuditEntry.Source.GATEWAYCTL, ACTOR, clock);
    private final InMemoryTenantRepository tenantTable = new InMemoryTenantRepository();
    private final InMemoryKeyRepository keyTable = new InMemoryKeyRepository();
    private final InMemoryRouteRepository routeTable = new InMemoryRouteRepository();
    private final AuditedTenantRepository tenants = new AuditedTenantRepository(tenantTable, auditor);
    private final AuditedKeyRepository keys = new AuditedKeyRepository(keyTable, auditor);
    private final AuditedRouteRepository routes = new AuditedRouteRepository(routeTable, auditor);

    private static final Tenant ACME = new Tenant("acme", "Acme", Tenant.Status.ACTIVE, Set.of("demo"), Limits.NONE);
    private static final ApiKey KEY = ApiKey.app("key_1", "acme", "ci", Set.of(), Limits.requestsPerMinute(60));

    private List<AuditEntry> entries() {
        return log.query(AuditQuery.between(NOW.minusSeconds(3600), NOW.plusSeconds(3600), 100));
    }

    private AuditEntry only() {
        assertThat(entries()).hasSize(1);
        return entries().getFirst();
    }

    private static JsonNode json(String text) throws IOException {
        return text == null ? null : Json.read(text);
    }

    @Test
    void tenantCreate_recordsTheNewTenant_withNoBefore() throws IOException {
        assertThat(tenants.create(ACME)).isTrue();

        AuditEntry entry = only();
        assertThat(entry.action()).isEqualTo("tenant.create");
        assertThat(entry.target()).isEqualTo("acme");
        assertThat(entry.actor()).isEqualTo(ACTOR);
        assertThat(entry.source()).isEqualTo(AuditEntry.Source.GATEWAYCTL);
        assertThat(entry.at()).isEqualTo(NOW);
        assertThat(entry.before()).isNull();
        assertThat(json(entry.after()).path("name").asText()).isEqualTo("Acme");
        assertThat(tenantTable.find("acme")).contains(ACME);
    }

    @Test
    void tenantCreate_ofAnExistingTenant_changesNothing_andRecordsNothing() {
        tenantTable.put(ACME);

        assertThat(tenants.create(ACME.withStatus(Tenant.Status.SUSPENDED))).isFalse();

        assertThat(entries()).isEmpty();
        assertThat(tenantTable.find("acme")).contains(ACME);
    }

    @Test
    void tenantPut_namesTheChange_suspendResumeLimitsOrUpdate() throws IOException {
        tenantTable.put(ACME);
        Tenant limited = new Tenant("acme", "Acme", Tenant.Status.ACTIVE, Set.of("demo"), new Limits(120, 0, 0, 0, 0));
        Tenant renamed = new Tenant(
                "acme",
                "Acme Corp",
                Tenant.Status.ACTIVE,
                Set.of("demo"),
                new Limits(120, 0, 0, 0, 0),
                IpAllowlist.parse(List.of("10.0.0.0/8")));

        tenants.put(ACME.withStatus(Tenant.Status.SUSPENDED));
        clock.advance(Duration.ofSeconds(1));
        tenants.put(ACME);
        clock.advance(Duration.ofSeconds(1));
        tenants.put(limited);
        clock.advance(Duration.ofSeconds(1));
        tenants.put(renamed);

        List<AuditEntry> newestFirst = entries();
        assertThat(newestFirst)
                .extracting(AuditEntry::action)
                .containsExactly("tenant.update", "tenant.limits", "tenant.resume", "tenant.suspend");
        AuditEntry limits = newestFirst.get(1);
        assertThat(json(limits.before()).at("/limits/rpm").asLong()).isZero();
        assertThat(json(limits.after()).at("/limits/rpm").asLong()).isEqualTo(120);
        AuditEntry update = newestFirst.getFirst();
        assertThat(json(update.before()).path("allowIps")).isEmpty();
        assertThat(json(update.after()).path("allowIps").get(0).asText()).isEqualTo("10.0.0.0/8");
        assertThat(json(newestFirst.getLast().after()).path("status").asText()).isEqualTo("SUSPENDED");
    }

    @Test
    void keyPut_recordsCreateLimitsRevokeAndUpdate_byKeyId_withoutTheHash() throws IOException {
        String hash = "a".repeat(64);

        keys.put(hash, KEY);
        clock.advance(Duration.ofSeconds(1));
        ApiKey tighter = ApiKey.app("key_1", "acme", "ci", Set.of(), Limits.requestsPerMinute(10));
        keys.put(hash, tighter);
        clock.advance(Duration.ofSeconds(1));
        ApiKey renamed = ApiKey.app("key_1", "acme", "deploys", Set.of(), Limits.requestsPerMinute(10));
        keys.put(hash, renamed);
        clock.advance(Duration.ofSeconds(1));
        keys.put(hash, renamed.withStatus(ApiKey.Status.REVOKED));

        List<AuditEntry> newestFirst = entries();
        assertThat(newestFirst)
                .extracting(AuditEntry::action)
                .containsExactly("key.revoke", "key.update", "key.limits", "key.create");
        assertThat(newestFirst).extracting(AuditEntry::target).containsOnly("key_1");
        AuditEntry revoke = newestFirst.getFirst();
        assertThat(json(revoke.before()).path("status").asText()).isEqualTo("ACTIVE");
        assertThat(json(revoke.after()).path("status").asText()).isEqualTo("REVOKED");
        assertThat(newestFirst.getLast().before()).isNull();
        assertThat(newestFirst.toString()).doesNotContain(hash);
        assertThat(keyTable.findByHash(hash)).contains(renamed.withStatus(ApiKey.Status.REVOKED));
    }

    @Test
    void routePut_recordsTheRouteBeforeAndAfter_andDelete_theRouteRemoved() throws IOException {
        Route first = new Route("chat", List.of(new Deployment("demo", "demo-1", null, null, null, null)));
        Route second = new Route(
                "chat",
                List.of(
                        new Deployment("demo", "demo-1", null, null, null, null),
                        new Deployment("openai", "gpt-4o-mini", null, "openai", null, null)),
                null,
                RoutingStrategy.WEIGHTED,
                List.of(),
                null,
                null,
                null);

        routes.put(first);
        clock.advance(Duration.ofSeconds(1));
        routes.put(second);
        clock.advance(Duration.ofSeconds(1));
        routes.delete("chat");
        routes.delete("never-there");

        List<AuditEntry> newestFirst = entries();
        assertThat(newestFirst)
                .extracting(AuditEntry::action)
                .containsExactly("route.delete", "route.put", "route.put");
        AuditEntry change = newestFirst.get(1);
        assertThat(json(change.before()).path("strategy").asText()).isEqualTo("priority");
        assertThat(json(change.after()).path("strategy").asText()).isEqualTo("weighted");
        assertThat(json(change.after()).path("deployments")).hasSize(2);
        assertThat(json(newestFirst.getFirst().before()).path("alias").asText()).isEqualTo("chat");
        assertThat(newestFirst.getFirst().after()).isNull();
        assertThat(routeTable.find("chat")).isEmpty();
    }

    @Test
    void whenTheAuditLogFails_nothingIsChanged_andTheFailureReachesTheCaller() {
        AuditLog broken = new AuditLog() {
            @Override
            public void append(AuditEntry entry) {
                throw new IllegalStateException("audit table unavailable");
            }

            @Override
            public List<AuditEntry> query(AuditQuery query) {
                return List.of();
            }
        };
        Auditor failing = Auditor.of(broken, AuditEntry.Source.ADMIN_API, "key_admin", clock);

        assertThatThrownBy(() -> new AuditedTenantRepository(tenantTable, failing).create(ACME))
                .hasMessageContaining("audit table unavailable");
        assertThatThrownBy(() -> new AuditedKeyRepository(keyTable, failing).put("b".repeat(64), KEY))
                .hasMessageContaining("audit table unavailable");
        Route route = new Route("chat", List.of(new Deployment("demo", "demo-1", null, null, null, null)));
        assertThatThrownBy(() -> new AuditedRouteRepository(routeTable, failing).put(route))
                .hasMessageContaining("audit table unavailable");

        assertThat(tenantTable.find("acme")).isEmpty();
        assertThat(keyTable.findById("key_1")).isEmpty();
        assertThat(routeTable.find("chat")).isEmpty();
    }
}
