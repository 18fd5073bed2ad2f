package dev.sluice.auth.session;

import dev.sluice.error.GatewayException;
import dev.sluice.secret.SecretNotFoundException;
import dev.sluice.secret.SecretStore;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session tokens signed with the keys in the secret {@value #SECRET_NAME} (Secrets Manager in AWS, the local secret
 * store in dev mode). The secret is read through the caching secret store, so a rotation (a new key put in front of
 * the ring) is picked up within the secret cache's TTL; the ring is parsed again only when the secret's value changes.
 * Without the secret, session tokens are off: presenting or minting one is refused with a clear message.
 */
public final class SessionTokenSource {
    public static final String SECRET_NAME = "session-signing";
    private static final Logger LOG = LoggerFactory.getLogger(SessionTokenSource.class);

    private final SecretStore secrets;
    private final Clock clock;
    private volatile Parsed parsed;

    public SessionTokenSource(SecretStore secrets, Clock clock) {
        this.secrets = secrets;
        this.clock = clock;
    }

    /** The codec for the current signing keys; 401 when session tokens are not enabled. */
    public SessionTokens tokens() {
        String value;
        try {
            value = secrets.get(SECRET_NAME);
        } catch (SecretNotFoundException e) {
            throw GatewayException.invalidApiKey("Session tokens are not enabled on this gateway.");
        }
        Parsed current = parsed;
        if (current != null && current.secret().equals(value)) {
            return current.tokens();
        }
        SigningKeys keys;
        try {
            keys = SigningKeys.parse(value);
        } catch (IllegalArgumentException e) {
            LOG.error("the session signing secret is malformed: {}", e.getMessage());
            throw GatewayException.serviceUnavailable("Session tokens are unavailable on this gateway.", 60, null);
        }
        SessionTokens tokens = new SessionTokens(keys, clock);
        parsed = new Parsed(value, tokens);
        return tokens;
    }

    /** The secret's value and the codec built from it; compared by value, so a rotation is seen at once. */
    private record Parsed(String secret, SessionTokens tokens) {
        @Override
        public String toString() {
            return "Parsed[redacted]";
        }
    }
}
