package dev.sluice.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.FakeSecretsManager;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Secrets Manager adapter through the real SDK client: against the AWS-JSON fake by default, or against an
 * emulator (LocalStack, Floci, moto) at {@code SLUICE_TEST_SECRETSMANAGER_ENDPOINT}.
 */
class SecretsManagerSecretStoreIT {
    private final FakeSecretsManager.Target target = FakeSecretsManager.startOrConfigured();
    private final String prefix = "it-" + java.util.UUID.randomUUID() + "/";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final SecretStore store =
            new CachingSecretStore(new SecretsManagerSecretStore(target.newClient()), Duration.ofMinutes(5), clock);

    @AfterEach
    void stop() throws Exception {
        target.close();
    }

    @Test
    void get_plainAndJsonSecrets_yieldTheCredential() {
        target.putSecret(prefix + "openai", "sk-plain");
        target.putSecret(prefix + "anthropic", "{\"apiKey\":\"sk-ant-json\",\"note\":\"prod\"}");

        assertThat(store.get(prefix + "openai")).isEqualTo("sk-plain");
        assertThat(store.get(prefix + "anthropic")).isEqualTo("sk-ant-json");
    }

    @Test
    void get_isCachedForTheTtl_thenRefreshed() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                target.fake().isPresent(), "only the fake counts GetSecretValue calls");
        FakeSecretsManager fake = target.fake().orElseThrow();
        fake.putSecret("openai", "sk-1");
        store.get("openai");
        store.get("openai");
        assertThat(fake.getSecretValueCalls()).isEqualTo(1);

        fake.putSecret("openai", "sk-2");
        clock.advance(Duration.ofMinutes(6));

        assertThat(store.get("openai")).isEqualTo("sk-2");
        assertThat(fake.getSecretValueCalls()).isEqualTo(2);
    }

    @Test
    void get_withAStagePrefix_readsThePrefixedSecret() {
        target.putSecret(prefix + "stage/openai", "sk-staged");
        SecretStore staged = new SecretsManagerSecretStore(target.newClient(), prefix + "stage/");

        assertThat(staged.get("openai")).isEqualTo("sk-staged");
        assertThat(staged.get(prefix + "stage/openai"))
                .as("a full name works too")
                .isEqualTo("sk-staged");
    }

    @Test
    void get_theStacksPlaceholder_isSecretNotFound() {
        target.putSecret(prefix + "gemini", "{\"placeholder\":\"put the provider key\",\"generated\":\"x9$Qz\"}");

        assertThatThrownBy(() -> store.get(prefix + "gemini")).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void get_missingSecret_isSecretNotFound() {
        assertThatThrownBy(() -> store.get(prefix + "nope")).isInstanceOf(SecretNotFoundException.class);
    }
}
