package dev.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.session.SessionClaims;
import dev.sluice.json.Json;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the audit log keeps of a thing: its governing fields, and never a secret. */
class AuditSnapshotsTest {
    @Test
    void route_redactsSecretLookingOptions_andCredentialsInTheBaseUrl_butKeepsTheSecretReference() throws IOException {
        Deployment deployment = new Deployment(
                "openai-compatible",
                "m",
                "https://user:hunter2@proxy.example/v1",
                "proxy",
                null,
                Duration.ofSeconds(30),
                Map.of("apiVersion", "2024-10-21", "apiKey", "sk-upstream-123", "x-auth-token", "t0k"));

        JsonNode json = Json.read(AuditSnapshots.of(new Route("chat", List.of(deployment))));

        JsonNode d = json.path("deployments").get(0);
        assertThat(d.path("secretRef").asText()).isEqualTo("proxy");
        assertThat(d.path("baseUrl").asText()).isEqualTo("https://(redacted)@proxy.example/v1");
        assertThat(d.at("/options/apiVersion").asText()).isEqualTo("2024-10-21");
        assertThat(d.at("/options/apiKey").asText()).isEqualTo("(redacted)");
        assertThat(d.at("/options/x-auth-token").asText()).isEqualTo("(redacted)");
        assertThat(d.path("timeoutMs").asLong()).isEqualTo(30_000);
        assertThat(json.toString()).doesNotContain("hunter2", "sk-upstream-123", "t0k");
    }

    @Test
    void key_isRecordedByIdWithItsLimits_andSetsSortedSoOneStateReadsTheSame() throws IOException {
        ApiKey key = new ApiKey(
                "key_1",
                "acme",
                "ci",
                ApiKey.Role.ADMIN,
                ApiKey.Status.ACTIVE,
                Set.of("b", "a", "c"),
                new Limits(1, 2, 3, 4, 5),
                Instant.parse("2027-01-01T00:00:00Z"));

        JsonNode json = Json.read(AuditSnapshots.of(key));

        assertThat(json.path("keyId").asText()).isEqualTo("key_1");
        assertThat(json.path("role").asText()).isEqualTo("admin");
        assertThat(json.path("models").toString()).isEqualTo("[\"a\",\"b\",\"c\"]");
        assertThat(json.path("limits").toString())
                .isEqualTo("{\"rpm\":1,\"tpm\":2,\"maxConcurrent\":3,\"budgetMicrosDay\":4,\"budgetMicrosMonth\":5}");
        assertThat(json.path("expiresAt").asText()).isEqualTo("2027-01-01T00:00:00Z");
    }

    @Test
    void session_isRecordedByItsClaims_neverTheTokenOrTheParentsHash() throws IOException {
        String parentHash = ApiKeys.sha256Hex(ApiKeys.newKey());
        SessionClaims claims = new SessionClaims(
                "sess_1",
                "acme",
                "key_1",
                parentHash,
                "app",
                Instant.parse("2026-12-05T19:00:00Z"),
                Instant.parse("2026-12-05T20:00:00Z"),
                Set.of("demo"),
                Map.of("rpm", 10L));

        String snapshot = AuditSnapshots.of(claims);

        assertThat(snapshot).doesNotContain(parentHash);
        JsonNode json = Json.read(snapshot);
        assertThat(json.path("sessionId").asText()).isEqualTo("sess_1");
        assertThat(json.path("parentKeyId").asText()).isEqualTo("key_1");
        assertThat(json.at("/limits/rpm").asLong()).isEqualTo(10);
    }

    @Test
    void anEntry_redactsAnyKeyThatSlippedIntoIt() {
        String key = ApiKeys.newKey();

        AuditEntry entry = AuditEntry.of(
                Instant.parse("2026-12-05T19:00:00Z"),
                "ci " + key,
                AuditEntry.Source.GATEWAYCTL,
                "key.update",
                "key_1",
                "{\"name\":\"" + key + "\"}",
                "{\"name\":\"sk-sluice-session.abc.def\"}");

        assertThat(entry.toString())
                .doesNotContain(key, "sk-sluice-session.abc")
                .contains("(redacted)");
    }
}
