package dev.sluice.devstack;

import dev.sluice.provider.openai.AzureOpenAiDialect;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The provider routes dev mode seeds from the environment: for every provider whose key variable is set (the
 * variable its own SDK reads), routes for a few of its current models under their own names. {@code
 * SLUICE_<PROVIDER>_MODELS} (comma-separated) replaces the model list and {@code <PROVIDER>_BASE_URL} the endpoint.
 * Prices are list prices in micro-USD per 1M tokens at the time of writing, for demonstration; set real ones with
 * {@code gatewayctl routes put}.
 */
final class DevProviders {
    private DevProviders() {}

    private record Model(String name, Pricing pricing) {}

    private record Provider(String type, String keyVariable, String secretRef, List<Model> models) {}

    private static final List<Provider> PROVIDERS = List.of(
            new Provider(
                    "openai",
                    "OPENAI_API_KEY",
                    "openai",
                    List.of(
                            new Model("gpt-4o-mini", new Pricing(150_000, 600_000, 75_000)),
                            new Model("gpt-4.1-mini", new Pricing(400_000, 1_600_000, 100_000)),
                            new Model("text-embedding-3-small", new Pricing(20_000, 0, 0)))),
            new Provider(
                    "anthropic",
                    "ANTHROPIC_API_KEY",
                    "anthropic",
                    List.of(
                            new Model("claude-sonnet-4-5", new Pricing(3_000_000, 15_000_000, 300_000)),
                            new Model("claude-haiku-4-5", new Pricing(1_000_000, 5_000_000, 100_000)))),
            new Provider(
                    "gemini",
                    "GEMINI_API_KEY",
                    "gemini",
                    List.of(
                            new Model("gemini-2.5-flash", new Pricing(300_000, 2_500_000, 75_000)),
                            new Model("gemini-embedding-001", new Pricing(150_000, 0, 0)))),
            new Provider(
                    "deepseek",
                    "DEEPSEEK_API_KEY",
                    "deepseek",
                    List.of(new Model("deepseek-chat", new Pricing(280_000, 420_000, 28_000)))),
            new Provider(
                    "qwen",
                    "DASHSCOPE_API_KEY",
                    "qwen",
                    List.of(new Model("qwen-plus", new Pricing(400_000, 1_200_000, 0)))),
            new Provider(
                    "mistral",
                    "MISTRAL_API_KEY",
                    "mistral",
                    List.of(new Model("mistral-small-latest", new Pricing(100_000, 300_000, 0)))),
            new Provider(
                    "groq",
                    "GROQ_API_KEY",
                    "groq",
                    List.of(new Model("llama-3.3-70b-versatile", new Pricing(590_000, 790_000, 0)))),
            new Provider(
                    "together",
                    "TOGETHER_API_KEY",
                    "together",
                    List.of(new Model("meta-llama/Llama-3.3-70B-Instruct-Turbo", new Pricing(880_000, 880_000, 0)))));

    /** The well-known key variable of each secret reference, for the local secret store. */
    static Map<String, String> keyVariables() {
        Map<String, String> variables = new LinkedHashMap<>();
        PROVIDERS.forEach(p -> variables.put(p.secretRef(), p.keyVariable()));
        variables.put("azure-openai", "AZURE_OPENAI_API_KEY");
        return variables;
    }

    /** Routes for every provider configured in {@code env}. */
    static List<Route> routes(Map<String, String> env) {
        List<Route> routes = new ArrayList<>();
        for (Provider provider : PROVIDERS) {
            if (!present(env, provider.keyVariable())) {
                continue;
            }
            String baseUrl = env.get(provider.type().toUpperCase(Locale.ROOT) + "_BASE_URL");
            for (Model model : models(env, provider)) {
                routes.add(new Route(
                        model.name(),
                        List.of(new Deployment(
                                provider.type(), model.name(), baseUrl, provider.secretRef(), model.pricing(), null))));
            }
        }
        if (present(env, "AZURE_OPENAI_API_KEY") && present(env, "AZURE_OPENAI_ENDPOINT")) {
            for (String deployment : list(env.getOrDefault("AZURE_OPENAI_DEPLOYMENTS", "gpt-4o-mini"))) {
                routes.add(new Route(
                        deployment,
                        List.of(new Deployment(
                                "azure-openai",
                                deployment,
                                env.get("AZURE_OPENAI_ENDPOINT"),
                                "azure-openai",
                                Pricing.FREE,
                                null,
                                Map.of(
                                        "apiVersion",
                                        env.getOrDefault(
                                                "AZURE_OPENAI_API_VERSION",
                                                AzureOpenAiDialect.DEFAULT_API_VERSION))))));
            }
        }
        if (present(env, "OLLAMA_MODELS")) {
            for (String model : list(env.get("OLLAMA_MODELS"))) {
                routes.add(new Route(
                        model,
                        List.of(new Deployment(
                                "ollama", model, env.get("OLLAMA_BASE_URL"), null, Pricing.FREE, null))));
            }
        }
        if (present(env, "SLUICE_BEDROCK_MODELS")) {
            for (String model : list(env.get("SLUICE_BEDROCK_MODELS"))) {
                routes.add(new Route(
                        model,
                        List.of(new Deployment(
                                "bedrock",
                                model,
                                null,
                                null,
                                Pricing.FREE,
                                null,
                                Map.of("region", env.getOrDefault("AWS_REGION", "us-east-1"))))));
            }
        }
        return routes;
    }

    private static List<Model> models(Map<String, String> env, Provider provider) {
        String override = env.get("SLUICE_" + provider.type().toUpperCase(Locale.ROOT) + "_MODELS");
        if (override == null || override.isBlank()) {
            return provider.models();
        }
        return list(override).stream()
                .map(name -> provider.models().stream()
                        .filter(m -> m.name().equals(name))
                        .findFirst()
                        .orElse(new Model(name, Pricing.FREE)))
                .toList();
    }

    private static List<String> list(String commaSeparated) {
        return java.util.Arrays.stream(commaSeparated.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static boolean present(Map<String, String> env, String variable) {
        String value = env.get(variable);
        return value != null && !value.isBlank();
    }
}
