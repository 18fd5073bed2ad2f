package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.ChatRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    @Test
    void ofText_countsO200kTokens() {
        assertThat(TokenEstimator.ofText("Hello, world!")).isEqualTo(4); // "Hello" "," " world" "!"
        assertThat(TokenEstimator.ofText("")).isZero();
        assertThat(TokenEstimator.ofText("<|endoftext|>"))
                .as("special tokens count as text")
                .isPositive();
    }

    @Test
    void ofChatRequest_addsMessageOverheadImagesAndTools() {
        ChatRequest plain = ChatRequest.parse("""
                {"model":"m","messages":[{"role":"user","content":"Hello, world!"}]}""".getBytes(StandardCharsets.UTF_8));
        assertThat(TokenEstimator.ofChatRequest(plain)).isEqualTo(3 + 3 + 4);

        ChatRequest rich = ChatRequest.parse("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hello, world!"},
                  {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}""".getBytes(StandardCharsets.UTF_8));
        assertThat(TokenEstimator.ofChatRequest(rich)).isGreaterThan(3 + 3 + 4 + 85);
    }
}
