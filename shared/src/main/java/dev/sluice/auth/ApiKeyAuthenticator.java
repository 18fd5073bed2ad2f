package dev.sluice.auth;

import dev.sluice.error.GatewayException;
import java.time.Clock;
import java.time.Instant;

/** Stage 1: the {@code Authorization: Bearer} header (or {@code x-api-key}) to an active {@link ApiKey}. */
public final class ApiKeyAuthenticator {
    private final KeyRepository keys;
    private final Clock clock;

    public ApiKeyAuthenticator(KeyRepository keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    public ApiKey authenticate(String authorizationHeader, String apiKeyHeader) {
        String presented = presentedKey(authorizationHeader, apiKeyHeader);
        ApiKey key = keys.findByHash(ApiKeys.sha256Hex(presented))
                .orElseThrow(() -> GatewayException.invalidApiKey("Incorrect API key provided."));
        if (key.status() != ApiKey.Status.ACTIVE) {
            throw GatewayException.invalidApiKey("This API key has been revoked.");
        }
        Instant now = clock.instant();
        if (key.isExpiredAt(now)) {
            throw GatewayException.invalidApiKey("This API key has expired.");
        }
        return key;
    }

    private static String presentedKey(String authorization, String apiKeyHeader) {
        if (authorization != null && !authorization.isBlank()) {
            String value = authorization.strip();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7) && value.length() > 7) {
                return value.substring(7).strip();
            }
            throw GatewayException.invalidApiKey("The Authorization header must be 'Bearer <API key>'.");
        }
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
            return apiKeyHeader.strip();
        }
        throw GatewayException.invalidApiKey(
                "You didn't provide an API key. Send it in the Authorization header " + "as 'Bearer <API key>'.");
    }
}
