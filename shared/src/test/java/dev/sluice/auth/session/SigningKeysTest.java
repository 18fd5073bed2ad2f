package dev.sluice.auth.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SigningKeysTest {
    private static final String NEW_SECRET = Base64.getEncoder().encodeToString(bytes(32, 1));
    private static final String OLD_SECRET = Base64.getEncoder().encodeToString(bytes(48, 2));

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 7 + seed);
        }
        return bytes;
    }

    @Test
    void parse_firstKeySigns_everyKeyVerifies() {
        SigningKeys keys = SigningKeys.parse("{\"keys\":[{\"kid\":\"2026-12\",\"secret\":\"" + NEW_SECRET
                + "\"},{\"kid\":\"2026-11\",\"secret\":\"" + OLD_SECRET + "\"}]}");

        assertThat(keys.active().kid()).isEqualTo("2026-12");
        assertThat(keys.active().secret()).isEqualTo(bytes(32, 1));
        assertThat(keys.find("2026-11")).get().extracting(SigningKey::secret).isEqualTo(bytes(48, 2));
        assertThat(keys.find("2026-10")).isEmpty();
        assertThat(keys.find(null)).isEmpty();
        assertThat(keys.all()).extracting(SigningKey::kid).containsExactly("2026-12", "2026-11");
        assertThat(keys.toString()).contains("2026-12", "2026-11").doesNotContain(NEW_SECRET, OLD_SECRET);
    }

    @Test
    void parse_malformedInput_isRefusedWithoutEchoingSecrets() {
        String shortSecret = Base64.getEncoder().encodeToString(bytes(16, 3));
        String[] inputs = {
            null,
            "",
            "not json " + NEW_SECRET,
            "{\"keys\":[{\"kid\":\"k1\",\"secret\":\"" + NEW_SECRET + "\"}", // truncated
            "[\"" + NEW_SECRET + "\"]",
            "{}",
            "{\"keys\":[]}",
            "{\"keys\":{\"kid\":\"k1\",\"secret\":\"" + NEW_SECRET + "\"}}",
            "{\"keys\":[{\"secret\":\"" + NEW_SECRET + "\"}]}",
            "{\"keys\":[{\"kid\":\"k1\",\"secret\":42}]}",
            "{\"keys\":[\"" + NEW_SECRET + "\"]}",
            "{\"keys\":[{\"kid\":\"k1\",\"secret\":\"" + NEW_SECRET + "!!\"}]}",
            "{\"keys\":[{\"kid\":\"k1\",\"secret\":\"" + shortSecret + "\"}]}",
            "{\"keys\":[{\"kid\":\"k1\",\"secret\":\"" + NEW_SECRET + "\"},{\"kid\":\"k1\",\"secret\":\"" + OLD_SECRET
                    + "\"}]}",
            "{\"keys\":[{\"kid\":\"bad kid\",\"secret\":\"" + NEW_SECRET + "\"}]}",
        };
        for (String input : inputs) {
            assertThatThrownBy(() -> SigningKeys.parse(input))
                    .as("%s", input)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasNoCause()
                    .hasMessageNotContaining(NEW_SECRET)
                    .hasMessageNotContaining(NEW_SECRET.substring(0, 12))
                    .hasMessageNotContaining(OLD_SECRET.substring(0, 12))
                    .hasMessageNotContaining(shortSecret.substring(0, 12));
        }
    }

    @Test
    void of_duplicateKidsOrNoKeys_isRefused() {
        SigningKey key = new SigningKey("k1", bytes(32, 1));

        assertThatThrownBy(() -> SigningKeys.of(key, new SigningKey("k1", bytes(32, 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k1");
        assertThatThrownBy(SigningKeys::of).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newSecretJson_isParseableRandom32ByteKey() throws Exception {
        String json = SigningKeys.newSecretJson("dev-1");

        SigningKeys keys = SigningKeys.parse(json);
        assertThat(keys.active().kid()).isEqualTo("dev-1");
        assertThat(keys.active().secret()).hasSize(32);
        JsonNode root = Json.read(json);
        assertThat(root.get("keys")).hasSize(1);
        assertThat(SigningKeys.parse(SigningKeys.newSecretJson("dev-1")).active())
                .isNotEqualTo(keys.active());
        assertThatThrownBy(() -> SigningKeys.newSecretJson("no spaces allowed"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
