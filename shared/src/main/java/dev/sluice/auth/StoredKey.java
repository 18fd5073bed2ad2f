package dev.sluice.auth;

import java.util.Objects;

/** A key as management sees it: the record and the hash it is stored under (never the key itself). */
public record StoredKey(String keyHash, ApiKey key) {
    public StoredKey {
        Objects.requireNonNull(keyHash, "keyHash");
        Objects.requireNonNull(key, "key");
    }
}
