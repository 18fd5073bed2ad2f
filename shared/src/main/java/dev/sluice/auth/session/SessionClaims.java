package dev.sluice.auth.session;

import dev.sluice.quota.Limits;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a session token says: which key minted it, for which tenant, until when, and how it is narrowed.
 *
 * <p>The token carries the parent key's hash ({@code pkh}) rather than trusting its own claims alone: the gateway looks
 * the parent key up by that hash (the same cached lookup an API key gets), so revoking or expiring the parent revokes
 * every session token it minted, and the parent's own models and limits stay the ceiling that {@link #models} and
 * {@link #limits} can only narrow.
 *
 * <p>Times are whole seconds, as in the JWT ({@code iat}, {@code exp} are epoch seconds): the constructor truncates
 * them, so a claims object survives a round trip through a token unchanged.
 *
 * @param tokenId {@code jti}: this token's id, see {@link SessionTokens#newTokenId()}
 * @param tenantId {@code tid}: the tenant of the parent key
 * @param parentKeyId {@code sub}: the printable id of the parent key ({@code key_...})
 * @param parentKeyHash {@code pkh}: SHA-256 hex (64 lowercase hex characters) of the parent key
 * @param parentRole {@code role}: the parent key's role, {@code app} or {@code admin}
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}: the token is rejected from this instant on
 * @param models models the token may call; empty means the parent's models
 * @param limits narrowed limits by name ({@code rpm}, {@code tpm}, {@code maxConcurrent}, {@code budgetMicrosDay},
 *     {@code budgetMicrosMonth}, ...), each at least 0; empty means the parent's limits
 */
public record SessionClaims(
        String tokenId,
        String tenantId,
        String parentKeyId,
        String parentKeyHash,
        String parentRole,
        Instant issuedAt,
        Instant expiresAt,
        Set<String> models,
        Map<String, Long> limits) {
    public static final String ROLE_APP = "app";
    public static final String ROLE_ADMIN = "admin";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public SessionClaims {
        requireText(tokenId, "tokenId");
        requireText(tenantId, "tenantId");
        requireText(parentKeyId, "parentKeyId");
        if (parentKeyHash == null || !SHA256_HEX.matcher(parentKeyHash).matches()) {
            throw new IllegalArgumentException("parentKeyHash must be the SHA-256 of the parent key in lowercase hex.");
        }
        if (!ROLE_APP.equals(parentRole) && !ROLE_ADMIN.equals(parentRole)) {
            throw new IllegalArgumentException("parentRole must be 'app' or 'admin'.");
        }
        issuedAt = Objects.requireNonNull(issuedAt, "issuedAt").truncatedTo(ChronoUnit.SECONDS);
        expiresAt = Objects.requireNonNull(expiresAt, "expiresAt").truncatedTo(ChronoUnit.SECONDS);
        models = models == null ? Set.of() : Set.copyOf(models);
        for (String model : models) {
            requireText(model, "a model name");
        }
        limits = limits == null ? Map.of() : Map.copyOf(limits);
        limits.forEach((name, value) -> {
            requireText(name, "a limit name");
            if (value < 0) {
                throw new IllegalArgumentException("The limit '" + name + "' must not be negative.");
            }
        });
    }

    /** The limit names of {@link #limits}: the token's own limits, counted in a scope of their own. */
    public static Map<String, Long> limitsOf(Limits limits) {
        Map<String, Long> named = new java.util.TreeMap<>();
        putIfSet(named, "rpm", limits.requestsPerMinute());
        putIfSet(named, "tpm", limits.tokensPerMinute());
        putIfSet(named, "maxConcurrent", limits.maxConcurrent());
        putIfSet(named, "budgetMicrosDay", limits.budgetMicrosPerDay());
        putIfSet(named, "budgetMicrosMonth", limits.budgetMicrosPerMonth());
        return named;
    }

    /** {@link #limits} as {@link Limits}; a name this version does not know is ignored. */
    public Limits limitsAsLimits() {
        return new Limits(
                limits.getOrDefault("rpm", 0L),
                limits.getOrDefault("tpm", 0L),
                limits.getOrDefault("maxConcurrent", 0L),
                limits.getOrDefault("budgetMicrosDay", 0L),
                limits.getOrDefault("budgetMicrosMonth", 0L));
    }

    private static void putIfSet(Map<String, Long> named, String name, long value) {
        if (value > 0) {
            named.put(name, value);
        }
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be null or blank.");
        }
    }
}
