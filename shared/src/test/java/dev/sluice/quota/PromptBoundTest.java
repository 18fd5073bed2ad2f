package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.ChatRequest;
import dev.sluice.json.Json;
import dev.sluice.usage.TokenEstimator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The prompt bound admission reserves must never be below the real prompt: checked against OpenAI's o200k tokenizer
 * (with its per-message overhead) for texts that tokenize densely and sparsely.
 */
class PromptBoundTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Hello, Sluice!",
                "a",
                "The quick brown fox jumps over the lazy dog. ",
                "日本語のテキストはトークンが多くなります。東京都千代田区",
                "🙂🚀🔥 emoji 👩‍👩‍👧‍👦",
                "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }",
                "0123456789 3.14159 2.71828 1e-9 0xDEADBEEF",
                "ſ ß ẞ Ω Å ﬁ ﬀ",
            })
    void ofChat_isNeverBelowTheTokenizersCount(String text) throws Exception {
        String content = text.repeat(50);
        String body = Json.MAPPER.writeValueAsString(Json.MAPPER
                .createObjectNode()
                .put("model", "m")
                .set(
                        "messages",
                        Json.MAPPER
                                .createArrayNode()
                                .add(Json.MAPPER
                                        .createObjectNode()
                                        .put("role", "system")
                                        .put("content", "Be brief."))
                                .add(Json.MAPPER
                                        .createObjectNode()
                                        .put("role", "user")
                                        .put("content", content))));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ChatRequest request = ChatRequest.parse(bytes);

        assertThat(PromptBound.ofChat(bytes.length, request))
                .isGreaterThanOrEqualTo(TokenEstimator.ofChatRequest(request));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void ofChat_reservesEachImageUrlAtItsLargestCost(int images) {
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < images; i++) {
            parts.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/")
                    .append(i)
                    .append(".png\"}}");
        }
        byte[] body = ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[" + parts + "]}]}")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(PromptBound.ofChat(body.length, ChatRequest.parse(body)))
                .isEqualTo(body.length + images * PromptBound.PER_IMAGE);
    }
}
