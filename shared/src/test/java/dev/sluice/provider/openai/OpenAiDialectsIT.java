package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.StreamChunk;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.testing.Transcripts;
import dev.sluice.usage.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI family's differences: presets' endpoints and quirks, Entra ID tokens, embeddings, usage variants. */
class OpenAiDialectsIT {
    private static ReplayUpstream upstream;

    @BeforeAll
    static void start() {
        upstream = ReplayUpstream.start();
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    private static ChatRequest chat(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<TokenUsage> stream(
            OpenAiDialect dialect, Deployment deployment, ChatRequest request, String credential) {
        List<TokenUsage> usage = new ArrayList<>();
        new OpenAiCompatibleProvider(dialect, Duration.ofSeconds(2))
                .streamChat(new ProviderCall("req_1", request, deployment, credential), new ChatStreamListener() {
                    @Override
                    public void onChunk(StreamChunk chunk) {}

                    @Override
                    public void onUsage(TokenUsage reported) {
                        usage.add(reported);
                    }
                });
        return usage;
    }

    @Test
    void mistral_renamesAndDropsWhatItsStrictSchemaRejects() {
        upstream.reply(Transcripts.sseReply("transcripts/openai/chat-text.sse"));
        stream(
                OpenAiPreset.MISTRAL,
                new Deployment(
                        "mistral", "mistral-small-latest", upstream.baseUrl() + "/v1", "mistral", Pricing.FREE, null),
                chat("""
                {"model":"m","messages":[{"role":"user","content":"hi"}],"seed":3,"user":"u",
                 "max_completion_tokens":50,"logit_bias":{"1":2},"stream_options":{"include_usage":true}}"""),
                "k");
        JsonNode sent = upstream.lastRequest().json();
        assertThat(sent.path("random_seed").asInt()).isEqualTo(3);
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
        for (String dropped : List.of("seed", "user", "logit_bias", "stream_options", "max_completion_tokens")) {
            assertThat(sent.has(dropped)).as(dropped).isFalse();
        }
        assertThat(sent.path("model").asText()).isEqualTo("mistral-small-latest");
        assertThat(upstream.lastRequest().header("Authorization")).hasValue("Bearer k");
    }

    @Test
    void presets_defaultToTheProvidersPublicEndpoint() {
        Deployment noBaseUrl = new Deployment("groq", "llama-3.3-70b-versatile", null, "groq", Pricing.FREE, null);
        assertThat(OpenAiPreset.GROQ.uri(noBaseUrl, "chat/completions").toString())
                .isEqualTo("https://api.groq.com/openai/v1/chat/completions");
        assertThat(OpenAiPreset.DEEPSEEK.uri(noBaseUrl, "chat/completions").toString())
                .isEqualTo("https://api.deepseek.com/v1/chat/completions");
        assertThat(OpenAiPreset.QWEN.uri(noBaseUrl, "embeddings").toString())
                .isEqualTo("https://dashscope-intl.aliyuncs.com/compatible-mode/v1/embeddings");
        assertThat(OpenAiPreset.OLLAMA.uri(noBaseUrl, "chat/completions").toString())
                .isEqualTo("http://127.0.0.1:11434/v1/chat/completions");
        assertThat(catchThrowableOfType(
                                GatewayException.class, () -> OpenAiPreset.GENERIC.uri(noBaseUrl, "chat/completions"))
                        .status())
                .isEqualTo(500);
    }

    @Test
    void deepSeek_cacheHitTokensAndGroqUsageAreRead() {
        upstream.reply(Reply.stream(
                "text/event-stream",
                List.of(
                        ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n")
                                .getBytes(StandardCharsets.UTF_8),
                        ("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,"
                                        + "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36,"
                                        + "\"completion_tokens_details\":{\"reasoning_tokens\":12}}}\n\n")
                                .getBytes(StandardCharsets.UTF_8),
                        "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8))));
        Deployment deepseek =
                new Deployment("deepseek", "deepseek-reasoner", upstream.baseUrl() + "/v1", "d", Pricing.FREE, null);
        assertThat(stream(OpenAiPreset.DEEPSEEK, deepseek, chat("""
                {"model":"m","messages":[{"role":"user","content":"hi"}]}"""), "k"))
                .containsExactly(new TokenUsage(100, 20, 64, 12));

        upstream.reply(Reply.stream(
                "text/event-stream",
                List.of(
                        ("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                                        + "\"x_groq\":{\"id\":\"req_01\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}}\n\n")
                                .getBytes(StandardCharsets.UTF_8),
                        "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8))));
        Deployment groq = new Deployment("groq", "llama", upstream.baseUrl() + "/openai/v1", "g", Pricing.FREE, null);
        assertThat(stream(OpenAiPreset.GROQ, groq, chat("""
                {"model":"m","messages":[{"role":"user","content":"hi"}]}"""), "k")).containsExactly(TokenUsage.of(9, 3));
    }

    @Test
    void usageRepeatedInSeveralChunks_isReportedOnce_theLastOneWins() {
        upstream.reply(Reply.stream(
                "text/event-stream",
                List.of(
                        ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],"
                                        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n")
                                .getBytes(StandardCharsets.UTF_8),
                        ("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                                        + "\"x_groq\":{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}}\n\n")
                                .getBytes(StandardCharsets.UTF_8),
                        ("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n")
                                .getBytes(StandardCharsets.UTF_8),
                        "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8))));
        Deployment groq = new Deployment("groq", "llama", upstream.baseUrl() + "/openai/v1", "g", Pricing.FREE, null);
        assertThat(stream(OpenAiPreset.GROQ, groq, chat("""
                {"model":"m","messages":[{"role":"user","content":"hi"}]}"""), "k")).containsExactly(TokenUsage.of(5, 2));
    }

    @Test
    void upstreamIgnoringStream_wholeCompletionWithParallelToolCalls_keepsThemApart() {
        upstream.reply(Reply.json(200, """
                {"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",
                 "content":null,"tool_calls":[
                   {"id":"call_a","type":"function","function":{"name":"f","arguments":"{}"}},
                   {"id":"call_b","type":"function","function":{"name":"g","arguments":"{\\"x\\":1}"}}]}}],
                 "usage":{"prompt_tokens":7,"completion_tokens":9}}"""));
        dev.sluice.inbound.openai.CompletionAssembler assembled = new dev.sluice.inbound.openai.CompletionAssembler();
        new OpenAiCompatibleProvider(OpenAiPreset.VLLM, Duration.ofSeconds(2))
                .streamChat(
                        new ProviderCall(
                                "r",
                                chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                                new Deployment("vllm", "m", upstream.baseUrl() + "/v1", null, Pricing.FREE, null),
                                null),
                        new ChatStreamListener() {
                            @Override
                            public void onChunk(StreamChunk chunk) {
                                assembled.add(chunk);
                            }

                            @Override
                            public void onUsage(TokenUsage reported) {}
                        });
        JsonNode calls = assembled.toCompletionChoices().at("/0/message/tool_calls");
        assertThat(calls).hasSize(2);
        assertThat(calls.at("/0/function/name").asText()).isEqualTo("f");
        assertThat(calls.at("/1/function/arguments").asText()).isEqualTo("{\"x\":1}");
    }

    @Test
    void aPresetThatNeedsAKey_withoutASecret_isAClear502() {
        Deployment noSecret =
                new Deployment("openai", "gpt-4o-mini", upstream.baseUrl() + "/v1", null, Pricing.FREE, null);
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> stream(
                        OpenAiPreset.OPENAI,
                        noSecret,
                        chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                        null));
        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_credentials_missing");
    }

    @Test
    void selfHostedServers_errorsWithoutOpenAiCodesStillMapContextLength() {
        upstream.reply(
                Reply.json(
                        400,
                        "{\"object\":\"error\",\"message\":\"This model's maximum context length is "
                                + "8192 tokens. However, you requested 9000 tokens.\",\"type\":\"BadRequestError\",\"code\":400}"));
        Deployment vllm = new Deployment("vllm", "qwen", upstream.baseUrl() + "/v1", null, Pricing.FREE, null);
        GatewayException error = catchThrowableOfType(
                GatewayException.class,
                () -> stream(
                        OpenAiPreset.VLLM,
                        vllm,
                        chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                        null));
        assertThat(error.code()).isEqualTo("context_length_exceeded");
        assertThat(upstream.lastRequest().header("Authorization")).isEmpty();
    }

    @Test
    void azureEntra_fetchesATokenOnceAndSendsItAsBearer() {
        try (ReplayUpstream login = ReplayUpstream.start()) {
            login.reply(
                    Reply.json(200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"eyJ0.tok\"}"));
            upstream.reply(Transcripts.sseReply("transcripts/openai/chat-text.sse"));
            AzureOpenAiDialect azure =
                    new AzureOpenAiDialect(new EntraTokenSource(Duration.ofSeconds(2), Clock.systemUTC()));
            Deployment deployment = new Deployment(
                    AzureOpenAiDialect.TYPE,
                    "gpt-4o",
                    upstream.baseUrl().toString(),
                    "azure-sp",
                    Pricing.FREE,
                    null,
                    Map.of("auth", "entra", "authorityHost", login.baseUrl().toString(), "apiVersion", "v1"));
            String principal = "{\"tenantId\":\"t-1\",\"clientId\":\"c-1\",\"clientSecret\":\"s3cret\"}";
            ChatRequest request = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            stream(azure, deployment, request, principal);
            stream(azure, deployment, request, principal);

            assertThat(login.requests()).hasSize(1);
            assertThat(login.lastRequest().path()).isEqualTo("/t-1/oauth2/v2.0/token");
            assertThat(login.lastRequest().body())
                    .contains(
                            "grant_type=client_credentials",
                            "client_id=c-1",
                            "scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default");
            assertThat(upstream.lastRequest().path()).isEqualTo("/openai/v1/chat/completions");
            assertThat(upstream.lastRequest().header("Authorization")).hasValue("Bearer eyJ0.tok");
            assertThat(upstream.lastRequest().json().path("model").asText()).isEqualTo("gpt-4o");
        }
    }

    @Test
    void embeddings_vectorsInInputOrderWithUsage() {
        upstream.reply(Reply.json(200, """
                {"object":"list","model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8},
                 "data":[{"object":"embedding","index":1,"embedding":[0.5,-0.25]},
                         {"object":"embedding","index":0,"embedding":[0.125,1.0]}]}"""));
        EmbeddingRequest request = EmbeddingRequest.parse("""
                {"model":"embed","input":["first","second"],"encoding_format":"base64"}""".getBytes(StandardCharsets.UTF_8));
        Deployment deployment = new Deployment(
                "openai", "text-embedding-3-small", upstream.baseUrl() + "/v1", "openai", Pricing.FREE, null);
        EmbeddingResult result = new OpenAiCompatibleProvider(OpenAiPreset.OPENAI, Duration.ofSeconds(2))
                .embed(new EmbeddingCall("req_2", request, deployment, "k"));

        assertThat(result.vectors()).hasSize(2);
        assertThat(result.vectors().get(0)).containsExactly(0.125f, 1.0f);
        assertThat(result.vectors().get(1)).containsExactly(0.5f, -0.25f);
        assertThat(result.usage()).isEqualTo(TokenUsage.of(8, 0));
        JsonNode sent = upstream.lastRequest().json();
        assertThat(upstream.lastRequest().path()).isEqualTo("/v1/embeddings");
        assertThat(sent.path("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(sent.path("encoding_format").asText()).isEqualTo("float");
    }
}
