package dev.sluice.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.error.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuardTest {
    private final Guard guard = Guard.local();

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

        int redactions = guard.apply(request, new GuardPolicy(GuardPolicy.Mode.REDACT, List.of()))
                .redactions();

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
                                request(
                                        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"About falcons\"}]}"),
                                policy)
                        .redactions())
                .isZero();
    }

    @Test
    void off_touchesNothing() {
        ChatRequest request = request(WITH_EMAIL);

        assertThat(guard.apply(request, GuardPolicy.OFF).redactions()).isZero();
        assertThat(request.body().toString()).contains("jane@example.com");
    }

    @Test
    void aDenyPatternThatIsNoRegularExpression_isRefusedWhenTheRouteIsMade() {
        assertThatThrownBy(() -> new GuardPolicy(GuardPolicy.Mode.OFF, List.of("(")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a regular expression");
    }

    // ---- embeddings -------------------------------------------------------------------------------------------

    private static EmbeddingRequest embeddings(String json) {
        return EmbeddingRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void embeddings_redact_replacesFindingsInEveryInput_inTheTextsAndTheForwardedBody() {
        EmbeddingRequest request = embeddings("""
                {"model":"e","input":["mail jane@example.com","plain","card 4111 1111 1111 1111"]}""");

        Guard.Guarded<EmbeddingRequest> guarded =
                guard.apply(request, new GuardPolicy(GuardPolicy.Mode.REDACT, List.of()));

        assertThat(guarded.redactions()).isEqualTo(2);
        assertThat(guarded.request().texts()).containsExactly("mail [EMAIL]", "plain", "card [CARD]");
        assertThat(guarded.request().body().toString())
                .contains("mail [EMAIL]")
                .doesNotContain("jane")
                .doesNotContain("4111");
    }

    @Test
    void embeddings_aSingleStringInput_staysAString() {
        Guard.Guarded<EmbeddingRequest> guarded = guard.apply(
                embeddings("{\"model\":\"e\",\"input\":\"call +44 20 7946 0958\"}"),
                new GuardPolicy(GuardPolicy.Mode.REDACT, List.of()));

        assertThat(guarded.request().body().get("input").isTextual()).isTrue();
        assertThat(guarded.request().body().get("input").asText()).isEqualTo("call [PHONE]");
    }

    @Test
    void embeddings_block_refusesNamingTheInputParam() {
        assertThatThrownBy(() -> guard.apply(
                        embeddings("{\"model\":\"e\",\"input\":[\"ok\",\"AKIAIOSFODNN7EXAMPLE\"]}"),
                        new GuardPolicy(GuardPolicy.Mode.BLOCK, List.of())))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.code()).isEqualTo("content_policy_violation");
                    assertThat(e.param()).isEqualTo("input");
                    assertThat(e.getMessage()).contains("aws key").doesNotContain("AKIA");
                });
    }

    @Test
    void embeddings_tokenIdInputs_areNotText_andPassUntouched() {
        EmbeddingRequest request = embeddings("{\"model\":\"e\",\"input\":[[4111,1111,1111,1111]]}");

        Guard.Guarded<EmbeddingRequest> guarded =
                guard.apply(request, new GuardPolicy(GuardPolicy.Mode.BLOCK, List.of("4111")));

        assertThat(guarded.request()).isSameAs(request);
        assertThat(guarded.redactions()).isZero();
    }

    // ---- the second engine ------------------------------------------------------------------------------------

    private static final BedrockGuardrail GUARDRAIL = new BedrockGuardrail("gr1", "1", null);

    /** An engine answering one verdict and remembering what it was asked. */
    private static final class ScriptedGuardrails implements Guardrails {
        private final Verdict verdict;
        private final List<List<String>> asked = new java.util.ArrayList<>();

        ScriptedGuardrails(Verdict verdict) {
            this.verdict = verdict;
        }

        @Override
        public Verdict apply(BedrockGuardrail guardrail, List<String> texts) {
            asked.add(texts);
            return verdict;
        }
    }

    @Test
    void guardrail_masking_replacesTheTextsAfterTheLocalScan_andCountsBoth() {
        ScriptedGuardrails engine = new ScriptedGuardrails(
                new Guardrails.Verdict.Masked(List.of("Be brief.", "Write to [EMAIL]", "and {NAME} too"), 1));
        ChatRequest request = request(WITH_EMAIL.replace("bob@example.org", "Bob"));

        Guard.Guarded<ChatRequest> guarded =
                new Guard(engine).apply(request, GuardPolicy.of(GuardPolicy.Mode.REDACT, List.of(), GUARDRAIL));

        assertThat(engine.asked).containsExactly(List.of("Be brief.", "Write to [EMAIL]", "and Bob too"));
        assertThat(guarded.redactions()).isEqualTo(2);
        assertThat(request.body().toString()).contains("and {NAME} too").doesNotContain("Bob");
    }

    @Test
    void guardrail_masking_inBlockMode_refuses() {
        ScriptedGuardrails engine = new ScriptedGuardrails(new Guardrails.Verdict.Masked(List.of("{NAME} says hi"), 1));

        assertThatThrownBy(() -> new Guard(engine)
                        .apply(
                                embeddings("{\"model\":\"e\",\"input\":\"Bob says hi\"}"),
                                GuardPolicy.of(GuardPolicy.Mode.BLOCK, List.of(), GUARDRAIL)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("content_policy_violation");
                    assertThat(e.getMessage()).contains("guardrail intervened").doesNotContain("Bob");
                });
    }

    @Test
    void guardrail_blocking_refuses_andPassing_changesNothing() {
        GuardPolicy policy = GuardPolicy.of(GuardPolicy.Mode.OFF, List.of(), GUARDRAIL);

        assertThatThrownBy(() -> new Guard(new ScriptedGuardrails(new Guardrails.Verdict.Blocked()))
                        .apply(request(WITH_EMAIL), policy))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.code()).isEqualTo("content_policy_violation"));
        ChatRequest request = request(WITH_EMAIL);
        assertThat(new Guard(new ScriptedGuardrails(new Guardrails.Verdict.Passed()))
                        .apply(request, policy)
                        .redactions())
                .isZero();
        assertThat(request.body().toString()).contains("jane@example.com");
    }

    @Test
    void guardrail_withoutAnEngine_failsClosed() {
        assertThatThrownBy(() ->
                        guard.apply(request(WITH_EMAIL), GuardPolicy.of(GuardPolicy.Mode.OFF, List.of(), GUARDRAIL)))
                .isInstanceOfSatisfying(
                        GatewayException.class, e -> assertThat(e.status()).isEqualTo(503));
    }
}
