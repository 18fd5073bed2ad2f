package dev.sluice.auth.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SigningKeyTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void toString_showsKidOnly_neverTheSecret() {
        SigningKey key = new SigningKey("2026-12", SECRET);

        assertThat(key.toString())
                .contains("2026-12")
                .doesNotContain(new String(SECRET, StandardCharsets.US_ASCII))
                .doesNotContain(Base64.getEncoder().encodeToString(SECRET))
                .doesNotContain(HexFormat.of().formatHex(SECRET))
                .doesNotContain(Arrays.toString(SECRET));
    }

    @Test
    void constructor_secretShorterThan32Bytes_isRefusedWithoutEchoingIt() {
        byte[] shortSecret = "only-31-bytes-of-secret-materia".getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> new SigningKey("k1", shortSecret))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32 bytes")
                .hasMessageNotContaining("only-31");
        assertThatThrownBy(() -> new SigningKey("k1", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void constructor_badKid_isRefused() {
        assertThatThrownBy(() -> new SigningKey(null, SECRET)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SigningKey("", SECRET)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SigningKey("a\"b", SECRET)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equals_comparesKidAndSecretContents() {
        SigningKey key = new SigningKey("k1", SECRET);

        assertThat(key).isEqualTo(new SigningKey("k1", SECRET.clone())).hasSameHashCodeAs(new SigningKey("k1", SECRET));
        assertThat(key).isNotEqualTo(new SigningKey("k2", SECRET));
        byte[] other = SECRET.clone();
        other[0] ^= 1;
        assertThat(key).isNotEqualTo(new SigningKey("k1", other));
    }

    @Test
    void secret_isCopiedInAndOut() {
        byte[] secret = SECRET.clone();
        SigningKey key = new SigningKey("k1", secret);

        secret[0] ^= 1;
        key.secret()[1] ^= 1;

        assertThat(key.secret()).isEqualTo(SECRET);
    }
}
