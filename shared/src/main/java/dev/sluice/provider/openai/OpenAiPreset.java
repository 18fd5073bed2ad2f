package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI and the providers that speak its Chat Completions API, with their public endpoints and quirks, so a route
 * names only {@code "provider": "groq"} and a model. A route's {@code baseUrl} overrides the endpoint (a proxy, a
 * regional host, a self-hosted server).
 *
 * @param defaultBaseUrl      the public endpoint up to and including the version path; null: the route must give one
 * @param requiresKey         false for self-hosted servers that take no key (a key is still sent when configured)
 * @param renameMaxCompletionTokens send {@code max_completion_tokens} as {@code max_tokens}, which every member takes
 * @param renamed             other fields the provider names differently
 * @param dropped             fields the provider rejects; removed before sending (README: parameters across providers)
 */
public record OpenAiPreset(
        String type,
        String defaultBaseUrl,
        boolean requiresKey,
        boolean streamOptions,
        boolean renameMaxCompletionTokens,
        Map<String, String> renamed,
        Set<String> dropped)
        implements OpenAiDialect {

    public static final OpenAiPreset OPENAI =
            new OpenAiPreset("openai", "https://api.openai.com/v1", true, true, false, Map.of(), Set.of());
    /** Any OpenAI-compatible server; the route must give its base URL. */
    public static final OpenAiPreset GENERIC =
            new OpenAiPreset(OpenAiCompatibleProvider.TYPE, null, false, true, false, Map.of(), Set.of());

    public static final OpenAiPreset DEEPSEEK = new OpenAiPreset(
            "deepseek",
            "https://api.deepseek.com/v1",
            true,
            true,
            true,
            Map.of(),
            Set.of("seed", "store", "metadata", "service_tier", "parallel_tool_calls"));
    /** Alibaba Cloud Model Studio (DashScope) in OpenAI-compatible mode, international endpoint. */
    public static final OpenAiPreset QWEN = new OpenAiPreset(
            "qwen",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            true,
            true,
            true,
            Map.of(),
            Set.of("store", "metadata", "service_tier"));
    /** Mistral's API rejects unknown fields, so everything it does not define is dropped. */
    public static final OpenAiPreset MISTRAL = new OpenAiPreset(
            "mistral",
            "https://api.mistral.ai/v1",
            true,
            false,
            true,
            Map.of("seed", "random_seed"),
            Set.of(
                    "user",
                    "logit_bias",
                    "store",
                    "metadata",
                    "service_tier",
                    "logprobs",
                    "top_logprobs",
                    "stream_options",
                    "reasoning_effort",
                    "prompt_cache_key",
                    "safety_identifier",
                    "verbosity",
                    "modalities",
                    "audio",
                    "prediction",
                    "web_search_options"));

    public static final OpenAiPreset GROQ = new OpenAiPreset(
            "groq",
            "https://api.groq.com/openai/v1",
            true,
            true,
            false,
            Map.of(),
            Set.of("logit_bias", "store", "metadata", "logprobs", "top_logprobs"));
    public static final OpenAiPreset TOGETHER = new OpenAiPreset(
            "together",
            "https://api.together.xyz/v1",
            true,
            true,
            true,
            Map.of(),
            Set.of("store", "metadata", "service_tier"));
    public static final OpenAiPreset VLLM = new OpenAiPreset(
            "vllm",
            "http://127.0.0.1:8000/v1",
            false,
            true,
            false,
            Map.of(),
            Set.of("store", "metadata", "service_tier"));
    public static final OpenAiPreset OLLAMA = new OpenAiPreset(
            "ollama",
            "http://127.0.0.1:11434/v1",
            false,
            true,
            true,
            Map.of(),
            Set.of("store", "metadata", "service_tier", "parallel_tool_calls"));

    public static final List<OpenAiPreset> ALL =
            List.of(OPENAI, GENERIC, DEEPSEEK, QWEN, MISTRAL, GROQ, TOGETHER, VLLM, OLLAMA);

    public OpenAiPreset {
        renamed = Map.copyOf(renamed);
        dropped = Set.copyOf(dropped);
    }

    @Override
    public URI uri(Deployment deployment, String operation) {
        if (defaultBaseUrl == null
                && (deployment.baseUrl() == null || deployment.baseUrl().isBlank())) {
            throw GatewayException.internal(new IllegalStateException(
                    type + " deployment of " + deployment.upstreamModel() + " has no baseUrl"));
        }
        return URI.create(deployment.baseUrlOr(defaultBaseUrl) + "/" + operation);
    }

    @Override
    public void authenticate(HttpRequest.Builder request, Deployment deployment, String credential) {
        if (credential == null && requiresKey) {
            throw UpstreamErrors.credentialsMissing(
                    "The " + type + " route for this model has no secretRef; the provider needs a key.");
        }
        if (credential != null) {
            request.header("Authorization", "Bearer " + credential);
        }
    }

    @Override
    public void adapt(ObjectNode body) {
        if (renameMaxCompletionTokens && body.has("max_completion_tokens")) {
            JsonNode value = body.remove("max_completion_tokens");
            if (!body.hasNonNull("max_tokens")) {
                body.set("max_tokens", value);
            }
        }
        renamed.forEach((from, to) -> {
            if (body.has(from)) {
                body.set(to, body.remove(from));
            }
        });
        body.remove(dropped);
    }

    @Override
    public boolean acceptsStreamOptions() {
        return streamOptions;
    }
}
