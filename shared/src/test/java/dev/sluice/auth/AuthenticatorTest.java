package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.error.GatewayException;
import dev.sluice.quota.Limits;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final InMemoryKeyRepository keys = new InMemoryKeyRepository();
    private final InMemoryTenantRepository tenants = new InMemoryTenantRepository();
    private final Authenticator authenticator = new Authenticator(keys, tenants, clock);

    private String store(ApiKey.Status status, Instant expiresAt) {
        String key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        "tenant-a",
                        "test",
                        ApiKey.Role.APP,
                        status,
                        Set.of(),
                        null,
                        expiresAt));
        return key;
    }

    @Test
    void authenticate_activeBearerKey_returnsItsRecord() {
        String key = store(ApiKey.Status.ACTIVE, null);

        Caller found = authenticator.authenticate("Bearer " + key, null, null);

        assertThat(found.tenantId()).isEqualTo("tenant-a");
        assertThat(found.level()).isEqualTo("app");
        assertThat(found.keyId()).startsWith("key_").doesNotContain(key.substring(ApiKeys.PREFIX.length()));
    }

    @Test
    void authenticate_xApiKeyHeader_isAcceptedToo() {
        String key = store(ApiKey.Status.ACTIVE, null);

        assertThat(authenticator.authenticate(null, key, null).tenantId()).isEqualTo("tenant-a");
    }

    @Test
    void authenticate_missingUnknownRevokedOrExpired_is401() {
        String revoked = store(ApiKey.Status.REVOKED, null);
        String expiring = store(ApiKey.Status.ACTIVE, clock.instant().plus(Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(2));

        assertUnauthorized(null, "didn't provide an API key");
        assertUnauthorized("Basic abc", "must be 'Bearer <API key>'");
        assertUnauthorized("Bearer sk-sluice-unknown", "Incorrect API key");
        assertUnauthorized("Bearer " + revoked, "revoked");
        assertUnauthorized("Bearer " + expiring, "expired");
    }

    @Test
    void authenticate_keyOfASuspendedTenant_is403() {
        String key = store(ApiKey.Status.ACTIVE, null);
        tenants.put(new Tenant("tenant-a", "A", Tenant.Status.SUSPENDED, Set.of(), Limits.NONE));

        assertThatThrownBy(() -> authenticator.authenticate("Bearer " + key, null, null))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("tenant_suspended");
                });
    }

    @Test
    void authenticate_keyWithoutATenantRecord_belongsToAnUnrestrictedTenant() {
        String key = store(ApiKey.Status.ACTIVE, null);

        Caller caller = authenticator.authenticate("Bearer " + key, null, null);

        assertThat(caller.tenant().limits()).isEqualTo(Limits.NONE);
        assertThat(caller.mayUse("any-model")).isTrue();
    }

    @Test
    void authenticate_fromOutsideTheTenantsOrTheKeysAllowlist_is403() {
        String key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        "tenant-a",
                        "office",
                        ApiKey.Role.APP,
                        ApiKey.Status.ACTIVE,
                        Set.of(),
                        Limits.NONE,
                        null,
                        IpAllowlist.parse(List.of("10.1.0.0/16", "2001:db8:1::/48"))));
        tenants.put(new Tenant(
                "tenant-a",
                "A",
                Tenant.Status.ACTIVE,
                Set.of(),
                Limits.NONE,
                IpAllowlist.parse(List.of("10.0.0.0/8", "2001:db8::/32"))));

        assertThat(authenticator.authenticate("Bearer " + key, null, "10.1.2.3").tenantId())
                .isEqualTo("tenant-a");
        assertThat(authenticator
                        .authenticate("Bearer " + key, null, "2001:db8:1::7")
                        .tenantId())
                .isEqualTo("tenant-a");
        for (String outside : new String[] {"10.2.0.1", "192.0.2.1", "2001:db8:2::1", "2001:db9::1", null}) {
            assertThatThrownBy(() -> authenticator.authenticate("Bearer " + key, null, outside))
                    .as(outside)
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.status()).isEqualTo(403);
                        assertThat(e.code()).isEqualTo("ip_not_allowed");
                    });
        }
    }

    @Test
    void caller_modelsAndScopes_narrowFromTenantToKey() {
        Tenant tenant = new Tenant("t", "T", Tenant.Status.ACTIVE, Set.of("a", "b"), Limits.requestsPerMinute(10));
        ApiKey key = ApiKey.app("key_1", "t", "k", Set.of("b", "c"), Limits.requestsPerMinute(5));

        Caller caller = Caller.of(tenant, key);

        assertThat(caller.mayUse("a")).isFalse();
        assertThat(caller.mayUse("b")).isTrue();
        assertThat(caller.mayUse("c")).isFalse();
        assertThat(caller.scopes()).extracting(scope -> scope.id()).containsExactly("tenant#t", "key#key_1");
    }

    private void assertUnauthorized(String header, String message) {
        assertThatThrownBy(() -> authenticator.authenticate(header, null, null))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("invalid_api_key");
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
