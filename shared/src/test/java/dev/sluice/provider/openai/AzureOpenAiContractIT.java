package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.ChatProvider;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.RecordedRequest;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The provider contract for Azure OpenAI: OpenAI's wire format (the same transcripts) behind a deployment URL with
 * {@code api-version}, authenticated with the {@code api-key} header.
 */
class AzureOpenAiContractIT extends OpenAiContractIT {
    private static final OpenAiCompatibleProvider PROVIDER = new OpenAiCompatibleProvider(
            new AzureOpenAiDialect(new EntraTokenSource(Duration.ofSeconds(2), Clock.systemUTC())),
            Duration.ofSeconds(2));

    @Override
    protected ChatProvider provider() {
        return PROVIDER;
    }

    @Override
    protected Deployment deployment(URI upstreamBaseUrl, Duration timeout) {
        return new Deployment(
                AzureOpenAiDialect.TYPE,
                "my-gpt-4o-mini",
                upstreamBaseUrl.toString(),
                "azure",
                Pricing.FREE,
                timeout,
                Map.of("apiVersion", "2024-10-21"));
    }

    @Override
    protected void assertTranslatedRequest(RecordedRequest sent) {
        assertThat(sent.path()).isEqualTo("/openai/deployments/my-gpt-4o-mini/chat/completions?api-version=2024-10-21");
        assertThat(sent.header("api-key")).hasValue("sk-contract-secret");
        assertThat(sent.header("Authorization")).isEmpty();
        assertThat(sent.json().path("stream_options").path("include_usage").asBoolean())
                .isTrue();
        assertThat(sent.json().get("tools")).isEqualTo(RICH_REQUEST.body().get("tools"));
        assertThat(sent.json().get("messages")).isEqualTo(RICH_REQUEST.body().get("messages"));
    }
}
