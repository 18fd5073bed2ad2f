package dev.sluice.secret;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.aws.AwsFailures;
import dev.sluice.json.Json;
import java.io.IOException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * AWS Secrets Manager. A secret is either the credential itself or a JSON object whose {@code apiKey} (or
 * {@code api_key}, {@code key}) field holds it, so operators can keep related fields together in one secret.
 * Wrap it in a {@link CachingSecretStore}.
 */
public final class SecretsManagerSecretStore implements SecretStore {
    private final SecretsManagerClient client;
    private final String prefix;

    public SecretsManagerSecretStore(SecretsManagerClient client) {
        this(client, "");
    }

    /**
     * @param prefix prepended to each reference to form the secret's name ({@code sluice/prod/} + {@code openai});
     *               a reference that is already a full ARN or already starts with the prefix is used as it is
     */
    public SecretsManagerSecretStore(SecretsManagerClient client, String prefix) {
        this.client = client;
        this.prefix = prefix == null ? "" : prefix;
    }

    String secretIdFor(String reference) {
        return reference.startsWith("arn:") || reference.startsWith(prefix) ? reference : prefix + reference;
    }

    @Override
    public String get(String reference) {
        String value;
        try {
            value = client.getSecretValue(getSecretValueRequest(secretIdFor(reference)))
                    .secretString();
        } catch (ResourceNotFoundException e) {
            throw new SecretNotFoundException(reference);
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
        if (value == null) {
            throw new SecretNotFoundException(reference);
        }
        String credential = credentialIn(value);
        if (credential == null) {
            throw new SecretNotFoundException(reference);
        }
        return credential;
    }

    /** The request path's secret read; SnapStart priming builds it here too, so the two cannot drift. */
    public static GetSecretValueRequest getSecretValueRequest(String secretId) {
        return GetSecretValueRequest.builder().secretId(secretId).build();
    }

    /**
     * The credential in a secret value: the value itself, or the {@code apiKey}/{@code api_key}/{@code key} field of
     * JSON; null for the placeholder the CDK stack creates secrets with ({@code {"placeholder": ...}}), which means
     * the operator has not put the key yet. Other JSON (an Entra ID service principal) is returned whole.
     */
    static String credentialIn(String value) {
        String trimmed = value.strip();
        if (!trimmed.startsWith("{")) {
            return trimmed;
        }
        try {
            JsonNode json = Json.read(trimmed);
            if (json.has("placeholder")) {
                return null;
            }
            for (String field : new String[] {"apiKey", "api_key", "key"}) {
                if (json.path(field).isTextual()) {
                    return json.get(field).asText();
                }
            }
        } catch (IOException e) {
            // Not JSON after all: the whole string is the credential.
        }
        return trimmed;
    }
}
