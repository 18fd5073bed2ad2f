package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Minting and hashing of client keys. A key is shown once, at creation; only its hash is stored. */
public final class ApiKeys {
    public static final String PREFIX = "sk-sluice-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private ApiKeys() {}

    /** A new random key: {@code sk-sluice-} followed by 40 hex characters (160 bits). */
    public static String newKey() {
        byte[] bytes = new byte[20];
        RANDOM.nextBytes(bytes);
        return PREFIX + HEX.formatHex(bytes);
    }

    public static String sha256Hex(String key) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HEX.formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** A printable id derived from the hash, so logs and usage rows can name a key without revealing it. */
    public static String keyIdFor(String keyHash) {
        return "key_" + keyHash.substring(0, 12);
    }
}
