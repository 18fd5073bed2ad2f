package dev.sluice.secret;

/** A route names a secret that does not exist: a configuration error of the operator, not of the client. */
public final class SecretNotFoundException extends RuntimeException {
    public SecretNotFoundException(String reference) {
        super("No secret named '" + reference + "'", null, false, false);
    }
}
