package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.ChatProvider;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import java.net.URI;
import java.time.Duration;

/** The provider contract for a self-hosted preset that takes no key, Ollama. */
class OllamaContractIT extends OpenAiContractIT {
    private static final OpenAiCompatibleProvider PROVIDER =
            new OpenAiCompatibleProvider(OpenAiPreset.OLLAMA, Duration.ofSeconds(2));

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment("ollama", "llama3.2", upstreamBaseUrl + "/v1", null, Pricing.FREE, timeout);
    }

    @Override
    protected String credential() {
        return null;
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("Authorization")).isEmpty();
        assertThat(sent.json().path("model").asText()).isEqualTo("llama3.2");
        assertThat(sent.json().path("max_tokens").asInt()).isEqualTo(256);
        assertThat(sent.json().path("stream_options").path("include_usage").asBoolean())
                .isTrue();
    }
}
