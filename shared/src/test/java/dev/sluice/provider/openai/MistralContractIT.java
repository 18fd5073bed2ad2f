package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.provider.ChatProvider;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import java.net.URI;
import java.time.Duration;

/**
 * The provider contract for a preset with the strictest quirks, Mistral: OpenAI's wire format (the same transcripts),
 * but fields its schema rejects are renamed or dropped before sending.
 */
class MistralContractIT extends OpenAiContractIT {
    private static final OpenAiCompatibleProvider PROVIDER =
            new OpenAiCompatibleProvider(OpenAiPreset.MISTRAL, Duration.ofSeconds(2));

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment(
                "mistral", "mistral-small-latest", upstreamBaseUrl + "/v1", "mistral", Pricing.FREE, timeout);
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("Authorization")).hasValue("Bearer sk-contract-secret");
        JsonNode body = sent.json();
        assertThat(body.path("model").asText()).isEqualTo("mistral-small-latest");
        assertThat(body.path("random_seed").asInt()).isEqualTo(7);
        assertThat(body.path("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.has("stream_options"))
                .as("Mistral reports usage without being asked")
                .isFalse();
        assertThat(body.has("user")).isFalse();
        assertThat(body.has("seed")).isFalse();
        assertThat(body.get("messages")).isEqualTo(RICH_REQUEST.body().get("messages"));
        assertThat(body.get("tools")).isEqualTo(RICH_REQUEST.body().get("tools"));
    }
}
