package dev.sluice.auth.session;

import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One HMAC-SHA256 key that signs or verifies session tokens, named by the {@code kid} that travels in each token's
 * header so the verifier picks the right key during a rotation (see {@link SigningKeys}).
 *
 * <p>The secret is at least 32 bytes (256 bits, the HS256 output size; RFC 7518 §3.2 requires no less). The record
 * copies the secret on the way in and out, and {@link #toString()} prints the kid only, so a key that ends up in a log
 * line or an exception message never reveals its secret.
 *
 * @param kid short printable name of the key, e.g. {@code 2026-12}: letters, digits, {@code . _ -}, at most 64
 * @param secret the raw key bytes, at least {@link #MIN_SECRET_BYTES}
 */
public record SigningKey(String kid, byte[] secret) {
    public static final int MIN_SECRET_BYTES = 32;
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public SigningKey {
        if (kid == null || !KID.matcher(kid).matches()) {
            throw new IllegalArgumentException(
                    "A signing key id must be 1 to 64 characters of letters, digits, '.', '_' or '-'.");
        }
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "The secret of signing key '" + kid + "' must be at least " + MIN_SECRET_BYTES + " bytes.");
        }
        secret = secret.clone();
    }

    /** A copy of the secret: the caller cannot change the key through it. */
    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SigningKey that && kid.equals(that.kid) && Arrays.equals(secret, that.secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kid, Arrays.hashCode(secret));
    }

    /** The kid only: the secret never reaches a log. */
    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + "]";
    }
}
