package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

class FakeSecretsManagerTest {

    private FakeSecretsManager fake;
    private SecretsManagerClient client;

    @BeforeEach
    void start() {
        fake = FakeSecretsManager.start();
        client = fake.newClient();
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    @Test
    void getSecretValue_forPutSecret_returnsValueAndCountsCall() {
        fake.putSecret("sluice/provider/openai", "sk-test-123");

        GetSecretValueResponse response = client.getSecretValue(b -> b.secretId("sluice/provider/openai"));

        assertThat(response.secretString()).isEqualTo("sk-test-123");
        assertThat(response.name()).isEqualTo("sluice/provider/openai");
        assertThat(response.arn()).startsWith("arn:aws:secretsmanager:us-east-1:");
        assertThat(response.versionStages()).containsExactly("AWSCURRENT");
        assertThat(fake.getSecretValueCalls()).isEqualTo(1);
    }

    @Test
    void getSecretValue_byArn_findsTheSecret() {
        fake.putSecret("by-arn", "v1");
        String arn = client.describeSecret(b -> b.secretId("by-arn")).arn();

        assertThat(client.getSecretValue(b -> b.secretId(arn)).secretString()).isEqualTo("v1");
    }

    @Test
    void getSecretValue_forMissingSecret_throwsResourceNotFound() {
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId("missing")))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ResourceNotFoundException");
                });
        assertThat(fake.getSecretValueCalls()).isEqualTo(1);
    }

    @Test
    void createThenPutSecretValue_changesValueAndVersion() {
        String firstVersion = client.createSecret(
                        b -> b.name("rotating").secretString("old").description("d"))
                .versionId();

        String secondVersion = client.putSecretValue(b -> b.secretId("rotating").secretString("new"))
                .versionId();
        DescribeSecretResponse described = client.describeSecret(b -> b.secretId("rotating"));

        assertThat(client.getSecretValue(b -> b.secretId("rotating")).secretString())
                .isEqualTo("new");
        assertThat(secondVersion).isNotEqualTo(firstVersion);
        assertThat(described.description()).isEqualTo("d");
        assertThat(described.versionIdsToStages()).containsOnlyKeys(secondVersion);
    }

    @Test
    void createSecret_twice_throwsResourceExists() {
        client.createSecret(b -> b.name("once").secretString("v"));

        assertThatThrownBy(() -> client.createSecret(b -> b.name("once").secretString("v")))
                .isInstanceOf(ResourceExistsException.class);
    }

    @Test
    void endpoint_isLoopback() {
        assertThat(fake.endpoint().getHost()).isEqualTo("127.0.0.1");
    }
}
