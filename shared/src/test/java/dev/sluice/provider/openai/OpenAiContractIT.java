package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.contract.ChatProviderContract;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import dev.sluice.testing.Reply;
import dev.sluice.testing.Transcripts;
import dev.sluice.usage.TokenUsage;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The provider contract for OpenAI's Chat Completions API: the body is forwarded as the caller wrote it. */
public class OpenAiContractIT extends ChatProviderContract {
    private static final OpenAiCompatibleProvider PROVIDER =
            new OpenAiCompatibleProvider(OpenAiPreset.OPENAI, Duration.ofSeconds(2));

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment("openai", "gpt-4o-mini", upstreamBaseUrl + "/v1", "openai", Pricing.FREE, timeout);
    }

    @Override
    protected Reply textStream() {
        return Transcripts.sseReply("transcripts/openai/chat-text.sse");
    }

    @Override
    protected ExpectedText expectedText() {
        return new ExpectedText("Paris is sunny, Tokyo is rainy.", 5, "stop", new TokenUsage(1200, 9, 1024, 0));
    }

    @Override
    protected Reply toolCallStream() {
        return Transcripts.sseReply("transcripts/openai/chat-tools.sse");
    }

    @Override
    protected ExpectedTools expectedTools() {
        return new ExpectedTools(
                List.of(
                        new ExpectedCall("get_weather", "{\"city\":\"Tokyo\"}"),
                        new ExpectedCall("get_weather", "{\"city\":\"Osaka\"}")),
                TokenUsage.of(82, 36));
    }

    @Override
    protected Reply errorReply(int status, String message) {
        return Reply.json(
                status,
                "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\","
                        + "\"param\":null,\"code\":null}}");
    }

    @Override
    protected Reply contextLengthReply() {
        return Reply.json(
                400,
                "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens. "
                        + "However, your messages resulted in 130412 tokens.\",\"type\":\"invalid_request_error\","
                        + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}");
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("Authorization")).hasValue("Bearer sk-contract-secret");
        JsonNode body = sent.json();
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("stream_options").path("include_usage").asBoolean())
                .isTrue();
        JsonNode original = RICH_REQUEST.body();
        for (String field : List.of(
                "messages",
                "tools",
                "tool_choice",
                "temperature",
                "top_p",
                "max_completion_tokens",
                "stop",
                "seed",
                "user")) {
            assertThat(body.get(field)).as(field).isEqualTo(original.get(field));
        }
    }

    @Override
    protected void assertTranslatedJsonRequest(RecordedRequest sent) {
        assertThat(sent.json().get("response_format"))
                .isEqualTo(JSON_SCHEMA_REQUEST.body().get("response_format"));
    }

    @Test
    void errorEventMidStream_failsAfterTheDeltasAlreadyDelivered_andKeepsItsTextForTheLog() {
        upstream.reply(Transcripts.sseReply("transcripts/openai/chat-error.sse"));
        Collected out = new Collected();
        GatewayException error = catchThrowableOfType(
                GatewayException.class, () -> provider().streamChat(call(RICH_REQUEST, Duration.ofSeconds(5)), out));

        assertThat(error.status()).isEqualTo(502);
        assertProviderTextOnlyInTheLog(error, LEAK_CANARY);
        assertThat(out.contentDeltas).containsExactly("Paris");
        assertThat(out.finishReasons).isEmpty();
    }
}
