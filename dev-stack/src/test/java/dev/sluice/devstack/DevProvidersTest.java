package dev.sluice.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.route.Route;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DevProvidersTest {

    @Test
    void noKeys_noProviderRoutes() {
        assertThat(DevProviders.routes(Map.of())).isEmpty();
    }

    @Test
    void eachKeyVariable_routesThatProvidersModels() {
        List<Route> routes = DevProviders.routes(Map.of(
                "ANTHROPIC_API_KEY",
                "k",
                "ANTHROPIC_BASE_URL",
                "http://127.0.0.1:9/",
                "GEMINI_API_KEY",
                "k",
                "SLUICE_GEMINI_MODELS",
                "gemini-2.5-pro",
                "AZURE_OPENAI_API_KEY",
                "k",
                "AZURE_OPENAI_ENDPOINT",
                "https://r.openai.azure.com",
                "OLLAMA_MODELS",
                "llama3.2",
                "SLUICE_BEDROCK_MODELS",
                "us.amazon.nova-lite-v1:0"));

        assertThat(routes)
                .extracting(Route::alias)
                .containsExactlyInAnyOrder(
                        "claude-sonnet-4-5",
                        "claude-haiku-4-5",
                        "gemini-2.5-pro",
                        "gpt-4o-mini",
                        "llama3.2",
                        "us.amazon.nova-lite-v1:0");
        Route claude = routes.stream()
                .filter(r -> r.alias().equals("claude-sonnet-4-5"))
                .findFirst()
                .orElseThrow();
        assertThat(claude.primary().provider()).isEqualTo("anthropic");
        assertThat(claude.primary().baseUrl()).isEqualTo("http://127.0.0.1:9/");
        assertThat(claude.primary().secretRef()).isEqualTo("anthropic");
        assertThat(claude.primary().pricing().inputPerMillion()).isEqualTo(3_000_000);
        Route azure = routes.stream()
                .filter(r -> r.alias().equals("gpt-4o-mini"))
                .findFirst()
                .orElseThrow();
        assertThat(azure.primary().provider()).isEqualTo("azure-openai");
        assertThat(azure.primary().option("apiVersion", null)).isEqualTo("2024-10-21");
        Route bedrock = routes.getLast();
        assertThat(bedrock.primary().secretRef()).isNull();
    }

    @Test
    void keyVariables_coverEveryKeyedProvider() {
        assertThat(DevProviders.keyVariables())
                .containsEntry("anthropic", "ANTHROPIC_API_KEY")
                .containsEntry("qwen", "DASHSCOPE_API_KEY")
                .containsEntry("azure-openai", "AZURE_OPENAI_API_KEY");
    }
}
