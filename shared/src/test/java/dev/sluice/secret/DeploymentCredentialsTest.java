package dev.sluice.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.error.RetriableUpstreamException;
import dev.sluice.route.Deployment;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentCredentialsTest {
    private final DeploymentCredentials credentials = new DeploymentCredentials(new LocalSecretStore(Map.of(
            LocalSecretStore.variableFor("good"), "  sk-good\n",
            LocalSecretStore.variableFor("broken"), "sk-line1\nsk-line2")));

    private static Deployment withSecret(String reference) {
        return new Deployment("openai", "m", null, reference, null, null);
    }

    @Test
    void forDeployment_withoutSecretRef_isNull() {
        assertThat(credentials.forDeployment(withSecret(null))).isNull();
        assertThat(credentials.forDeployment(withSecret(" "))).isNull();
    }

    @Test
    void forDeployment_stripsTheStoredValue() {
        assertThat(credentials.forDeployment(withSecret("good"))).isEqualTo("sk-good");
    }

    @Test
    void forDeployment_missingSecret_isRetriableAndNamesNothingSecret() {
        RetriableUpstreamException error = catchThrowableOfType(
                RetriableUpstreamException.class, () -> credentials.forDeployment(withSecret("absent")));

        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_credentials_missing");
    }

    @Test
    void forDeployment_controlCharacterInside_isRejectedWithoutQuotingTheValue() {
        RetriableUpstreamException error = catchThrowableOfType(
                RetriableUpstreamException.class, () -> credentials.forDeployment(withSecret("broken")));

        assertThat(error.code()).isEqualTo("upstream_credentials_invalid");
        assertThat(error.getMessage()).doesNotContain("sk-line");
    }
}
