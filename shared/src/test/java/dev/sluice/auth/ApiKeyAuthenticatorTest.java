package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.error.GatewayException;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyAuthenticatorTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final InMemoryKeyRepository keys = new InMemoryKeyRepository();
    private final ApiKeyAuthenticator authenticator = new ApiKeyAuthenticator(keys, clock);

    private String store(ApiKey.Status status, Instant expiresAt) {
        String key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        keys.put(hash, new ApiKey(ApiKeys.keyIdFor(hash), "tenant-a", "test", status, Set.of(), null, expiresAt));
        return key;
    }

    @Test
    void authenticate_activeBearerKey_returnsItsRecord() {
        String key = store(ApiKey.Status.ACTIVE, null);

        ApiKey found = authenticator.authenticate("Bearer " + key, null);

        assertThat(found.tenantId()).isEqualTo("tenant-a");
        assertThat(found.keyId()).startsWith("key_").doesNotContain(key.substring(ApiKeys.PREFIX.length()));
    }

    @Test
    void authenticate_xApiKeyHeader_isAcceptedToo() {
        String key = store(ApiKey.Status.ACTIVE, null);

        assertThat(authenticator.authenticate(null, key).tenantId()).isEqualTo("tenant-a");
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

    private void assertUnauthorized(String header, String message) {
        assertThatThrownBy(() -> authenticator.authenticate(header, null))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("invalid_api_key");
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
