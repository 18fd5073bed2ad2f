package dev.sluice.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuardTest {
    private final Guard guard = new Guard();

    private static ChatRequest request(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static final String WITH_EMAIL = """
            {"model":"m","messages":[{"role":"system","content":"Be brief."},
             {"role":"user","content":[{"type":"text","text":"Write to jane@example.com"},
              {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
             {"role":"user","content":"and bob@example.org too"}]}""";

    @Test
    void redact_replacesFindingsInStringsAndTextParts_andCountsThem() {
        ChatRequest request = request(WITH_EMAIL);

        int redactions = guard.apply(request, new GuardPolicy(GuardPolicy.Mode.REDACT, List.of()));

        assertThat(redactions).isEqualTo(2);
        String body = request.body().toString();
        assertThat(body)
                .contains("Write to [EMAIL]")
                .contains("and [EMAIL] too")
                .doesNotContain("@example");
        assertThat(body).contains("https://example.com/a.png"); // image URLs are not text
    }

    @Test
    void block_refusesWithContentPolicyViolation_namingOnlyTheKinds() {
        assertThatThrownBy(() -> guard.apply(request(WITH_EMAIL), new GuardPolicy(GuardPolicy.Mode.BLOCK, List.of())))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("content_policy_violation");
                    assertThat(e.getMessage()).contains("email").doesNotContain("jane");
                });
    }

    @Test
    void denyPatterns_refuseWhateverThePiiMode() {
        GuardPolicy policy = new GuardPolicy(GuardPolicy.Mode.OFF, List.of("project\\s+falcon"));

        assertThatThrownBy(() -> guard.apply(
                        request(
                                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"About Project  FALCON\"}]}"),
                        policy))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.code()).isEqualTo("content_policy_violation"));
        assertThat(guard.apply(
                        request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"About falcons\"}]}"),
                        policy))
                .isZero();
    }

    @Test
    void off_touchesNothing() {
        ChatRequest request = request(WITH_EMAIL);

        assertThat(guard.apply(request, GuardPolicy.OFF)).isZero();
        assertThat(request.body().toString()).contains("jane@example.com");
    }

    @Test
    void aDenyPatternThatIsNoRegularExpression_isRefusedWhenTheRouteIsMade() {
        assertThatThrownBy(() -> new GuardPolicy(GuardPolicy.Mode.OFF, List.of("(")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a regular expression");
    }
}
