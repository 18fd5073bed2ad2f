package dev.sluice.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Bedrock Guardrails engine with the real SDK client (URL-connection, SigV4) against a {@link ReplayUpstream}
 * answering ApplyGuardrail's documented JSON: what it sends, how it reads each kind of answer, and that every failure
 * fails closed.
 */
class BedrockGuardrailsIT {
    private static final BedrockGuardrail GUARDRAIL = new BedrockGuardrail("gr1abc", "2", null);
    private static final Duration TIMEOUT = Duration.ofMillis(800);

    private static ReplayUpstream bedrock;
    private static BedrockGuardrails engine;

    @BeforeAll
    static void start() {
        bedrock = ReplayUpstream.start();
        engine = BedrockGuardrails.create("us-east-1", Duration.ofSeconds(1), TIMEOUT, bedrock.baseUrl());
    }

    @AfterAll
    static void stop() {
        engine.close();
        bedrock.close();
    }

    @BeforeEach
    void clear() {
        bedrock.clear();
    }

    /** An intervention that masked an e-mail address and a name, as ApplyGuardrail reports one. */
    static final String MASKED = """
            {"usage":{"topicPolicyUnits":0,"contentPolicyUnits":1,"wordPolicyUnits":1,
              "sensitiveInformationPolicyUnits":1,"sensitiveInformationPolicyFreeUnits":0,
              "contextualGroundingPolicyUnits":0},
             "action":"GUARDRAIL_INTERVENED","actionReason":"Guardrail masked.",
             "outputs":[{"text":"Be brief."},{"text":"Mail {EMAIL} for {NAME}"}],
             "assessments":[{"sensitiveInformationPolicy":{"piiEntities":[
                {"match":"jane@example.com","type":"EMAIL","action":"ANONYMIZED","detected":true},
                {"match":"Jane","type":"NAME","action":"ANONYMIZED","detected":true}]},
               "invocationMetrics":{"guardrailProcessingLatency":212,
                "usage":{"topicPolicyUnits":0,"contentPolicyUnits":1,"wordPolicyUnits":1,
                 "sensitiveInformationPolicyUnits":1,"sensitiveInformationPolicyFreeUnits":0,
                 "contextualGroundingPolicyUnits":0},
                "guardrailCoverage":{"textCharacters":{"guarded":41,"total":41}}}}],
             "guardrailCoverage":{"textCharacters":{"guarded":41,"total":41}}}""";

    /** A denied topic: blocked, with the guardrail's blocked-input message as the only output. */
    static final String BLOCKED = """
            {"usage":{"topicPolicyUnits":1,"contentPolicyUnits":1,"wordPolicyUnits":1,
              "sensitiveInformationPolicyUnits":1,"sensitiveInformationPolicyFreeUnits":0,
              "contextualGroundingPolicyUnits":0},
             "action":"GUARDRAIL_INTERVENED",
             "outputs":[{"text":"Sorry, I can't help with that."}],
             "assessments":[{"topicPolicy":{"topics":[
                {"name":"Investment advice","type":"DENY","action":"BLOCKED","detected":true}]},
               "sensitiveInformationPolicy":{"piiEntities":[
                {"match":"Jane","type":"NAME","action":"ANONYMIZED","detected":true}]}}]}""";

    static final String NONE = """
            {"usage":{"topicPolicyUnits":1,"contentPolicyUnits":1,"wordPolicyUnits":1,
              "sensitiveInformationPolicyUnits":1,"sensitiveInformationPolicyFreeUnits":0,
              "contextualGroundingPolicyUnits":0},
             "action":"NONE","outputs":[],"assessments":[{}]}""";

    @Test
    void apply_sendsEachTextAsAContentBlockOfSourceInput_signedForBedrock() throws Exception {
        bedrock.reply(Reply.json(200, NONE));

        Guardrails.Verdict verdict = engine.apply(GUARDRAIL, List.of("Be brief.", "Hello there"));

        assertThat(verdict).isInstanceOf(Guardrails.Verdict.Passed.class);
        RecordedRequest sent = bedrock.lastRequest();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/guardrail/gr1abc/version/2/apply");
        assertThat(sent.json()).isEqualTo(Json.read("""
                        {"source":"INPUT","content":[{"text":{"text":"Be brief."}},{"text":{"text":"Hello there"}}]}"""));
        assertThat(sent.header("Authorization"))
                .hasValueSatisfying(auth ->
                        assertThat(auth).startsWith("AWS4-HMAC-SHA256").contains("/us-east-1/bedrock/aws4_request"));
    }

    @Test
    void apply_aGuardrailInAnotherRegion_isSignedForThatRegion() {
        bedrock.reply(Reply.json(200, NONE));

        engine.apply(new BedrockGuardrail("gr1abc", "DRAFT", "eu-west-1"), List.of("hi"));

        assertThat(bedrock.lastRequest().header("Authorization"))
                .hasValueSatisfying(auth -> assertThat(auth).contains("/eu-west-1/bedrock/aws4_request"));
        assertThat(bedrock.lastRequest().path()).isEqualTo("/guardrail/gr1abc/version/DRAFT/apply");
    }

    @Test
    void apply_anInterventionThatOnlyMasked_answersTheMaskedTextsAndCountsTheFindings() {
        bedrock.reply(Reply.json(200, MASKED));

        Guardrails.Verdict verdict = engine.apply(GUARDRAIL, List.of("Be brief.", "Mail jane@example.com for Jane"));

        assertThat(verdict)
                .isEqualTo(new Guardrails.Verdict.Masked(List.of("Be brief.", "Mail {EMAIL} for {NAME}"), 2));
    }

    @Test
    void apply_anInterventionWithABlockedFinding_blocks() {
        bedrock.reply(Reply.json(200, BLOCKED));

        assertThat(engine.apply(GUARDRAIL, List.of("Should Jane buy shares?")))
                .isInstanceOf(Guardrails.Verdict.Blocked.class);
    }

    @Test
    void apply_maskedOutputsThatDoNotLineUpWithTheTexts_block() {
        bedrock.reply(Reply.json(200, MASKED));

        assertThat(engine.apply(GUARDRAIL, List.of("one", "two", "three")))
                .as("never write a masked text into the wrong slot, never pass the unmasked ones")
                .isInstanceOf(Guardrails.Verdict.Blocked.class);
    }

    @Test
    void apply_anInterventionWithoutKnownFindings_blocks() {
        bedrock.reply(Reply.json(200, """
                {"action":"GUARDRAIL_INTERVENED","outputs":[{"text":"No."}],
                 "assessments":[{"automatedReasoningPolicy":{"findings":[]}}]}"""));

        assertThat(engine.apply(GUARDRAIL, List.of("x"))).isInstanceOf(Guardrails.Verdict.Blocked.class);
    }

    @Test
    void apply_aServerError_failsClosedWith503AndRetryAfter() {
        bedrock.reply(Reply.json(500, "{\"message\":\"Internal server error\"}")
                .withHeader("x-amzn-ErrorType", "InternalServerException"));

        GatewayException error =
                catchThrowableOfType(GatewayException.class, () -> engine.apply(GUARDRAIL, List.of("hi")));

        assertThat(error.status()).isEqualTo(503);
        assertThat(error.retryAfterSeconds()).hasValue(1);
        assertThat(error.getMessage()).contains("not sent to any model");
    }

    @Test
    void apply_aRefusedCall_failsClosedWithoutRetryAfter() {
        bedrock.reply(Reply.json(403, "{\"message\":\"not authorized to perform: bedrock:ApplyGuardrail\"}")
                .withHeader("x-amzn-ErrorType", "AccessDeniedException"));

        GatewayException error =
                catchThrowableOfType(GatewayException.class, () -> engine.apply(GUARDRAIL, List.of("hi")));

        assertThat(error.status()).isEqualTo(503);
        assertThat(error.retryAfterSeconds()).isEmpty();
        assertThat(bedrock.requests()).as("a refusal is not retried").hasSize(1);
    }

    @Test
    void apply_noAnswerWithinTheTimeout_failsClosedInTime() {
        bedrock.reply(Reply.json(200, NONE).withFirstByteDelay(Duration.ofSeconds(5)));
        long started = System.nanoTime();

        GatewayException error =
                catchThrowableOfType(GatewayException.class, () -> engine.apply(GUARDRAIL, List.of("hi")));

        assertThat(error.status()).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }
}
