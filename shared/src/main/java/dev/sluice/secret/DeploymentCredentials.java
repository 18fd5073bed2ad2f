package dev.sluice.secret;

import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The credential a deployment's {@code secretRef} names, checked before it can reach an HTTP header. */
public final class DeploymentCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentCredentials.class);

    private final SecretStore secrets;

    public DeploymentCredentials(SecretStore secrets) {
        this.secrets = secrets;
    }

    /** The credential, or null for a deployment that needs none. Failures are retriable on the next deployment. */
    public String forDeployment(Deployment deployment) {
        if (deployment.secretRef() == null || deployment.secretRef().isBlank()) {
            return null;
        }
        String credential;
        try {
            credential = secrets.get(deployment.secretRef()).strip();
        } catch (SecretNotFoundException e) {
            LOG.error("route secret '{}' is missing", deployment.secretRef());
            throw UpstreamErrors.credentialsMissing(
                    "The provider credential for this model is not configured on the gateway.");
        }
        // A stray control character would make the HTTP client throw an exception whose message quotes the
        // header, key included. Reject it here, naming only the reference.
        for (int i = 0; i < credential.length(); i++) {
            char c = credential.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                LOG.error("route secret '{}' contains a control character", deployment.secretRef());
                throw UpstreamErrors.credentialsInvalid(
                        "The provider credential for this model is misconfigured on the gateway.");
            }
        }
        return credential;
    }
}
