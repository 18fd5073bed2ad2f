package dev.sluice.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.sluice.api.ChatRequest;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.provider.anthropic.AnthropicProvider;
import dev.sluice.provider.bedrock.BedrockProvider;
import dev.sluice.provider.gemini.GeminiProvider;
import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.testing.EventStreamFrames;
import dev.sluice.testing.ReplayUpstream;
import dev.sluice.testing.Reply;
import dev.sluice.usage.TokenUsage;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each provider adapter's stream relay costs, per 50-chunk stream, in process CPU: one thread calls the
 * adapter's {@code streamChat} against a loopback {@link ReplayUpstream} replaying that provider's wire format (50
 * text deltas, usage, the end), and discards what comes out. The baseline reads the same bytes with the JDK's HTTP
 * client and does nothing with them, so "relay" is the adapter's own work: reading the events, parsing them, building
 * the deltas. For Bedrock it is also the AWS SDK's own HTTP client (Netty) and event-stream decoding, which the
 * adapter cannot do without: {@code ConverseStream} exists only on the SDK's asynchronous client. Bounded by count;
 * everything on 127.0.0.1. {@code bench/relay.sh > relay.md}.
 */
public final class RelayBenchmark {
    static final int CHUNKS = 50;
    private static final ChatRequest REQUEST = ChatRequest.parse(
            "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(UTF_8));

    record Case(String name, ChatProvider provider, Deployment deployment, Reply reply) {}

    public static void main(String[] args) throws Exception {
        int warmup = 500;
        int streams = 3000;
        if (args.length > 0 && args[0].equals("--quick")) {
            warmup = 100;
            streams = 500;
        }
        StreamingBenchmark.useBenchLogging();
        StringBuilder md = new StringBuilder();
        md.append("## Relay cost per provider\n\n")
                .append("`bench/relay.sh`: one thread, ")
                .append(streams)
                .append(" streams per provider after ")
                .append(warmup)
                .append(" warm-up, in the second of two rounds; each ")
                .append(CHUNKS)
                .append(" text deltas from a loopback replay of the provider's wire format; process CPU per stream. ")
                .append(
                        "\"Read only\" is the HTTP adapters' own client (`UpstreamHttp`) reading the same bytes and discarding them; ")
                .append("\"relay\" is the difference: the adapter's own work.\n\n")
                .append("| provider | process CPU µs / stream | read only | **relay** | chunks out / stream |\n")
                .append("|---|--:|--:|--:|--:|\n");
        // Bedrock signs with the SDK's default credentials chain; the replay checks no signature.
        System.setProperty("aws.accessKeyId", "relaybench");
        System.setProperty("aws.secretAccessKey", "relaybench");
        try (ReplayUpstream upstream = ReplayUpstream.start();
                BedrockProvider bedrock = new BedrockProvider("us-east-1", Duration.ofSeconds(2))) {
            String base = upstream.baseUrl().toString();
            List<Case> cases = List.of(
                    new Case(
                            "openai-compatible (pass-through)",
                            new OpenAiCompatibleProvider(Duration.ofSeconds(2)),
                            deployment(OpenAiCompatibleProvider.TYPE, base, Map.of()),
                            Reply.stream("text/event-stream", openAi())),
                    new Case(
                            "anthropic",
                            new AnthropicProvider(Duration.ofSeconds(2)),
                            deployment(AnthropicProvider.TYPE, base, Map.of("version", "2023-06-01")),
                            Reply.stream("text/event-stream", anthropic())),
                    new Case(
                            "gemini",
                            new GeminiProvider(Duration.ofSeconds(2)),
                            deployment(GeminiProvider.TYPE, base + "/v1beta", Map.of()),
                            Reply.stream("text/event-stream", gemini())),
                    new Case(
                            "bedrock (ConverseStream: AWS SDK, Netty client, binary event stream)",
                            bedrock,
                            deployment(BedrockProvider.TYPE, base, Map.of("region", "us-east-1")),
                            Reply.stream(EventStreamFrames.CONTENT_TYPE, bedrock())));
            UpstreamHttp http = new UpstreamHttp(Duration.ofSeconds(2)); // the HTTP adapters' own client
            // Two rounds, the second reported: the first warms every path, so no case pays for running first.
            for (int round = 0; round < 2; round++) {
                for (Case c : cases) {
                    upstream.reply(c.reply());
                    Counting out = new Counting();
                    for (int i = 0; i < warmup; i++) {
                        c.provider().streamChat(new ProviderCall("req_w" + i, REQUEST, c.deployment(), "key"), out);
                    }
                    out.chunks = 0;
                    long before = ProcessStats.cpuNanos();
                    for (int i = 0; i < streams; i++) {
                        c.provider().streamChat(new ProviderCall("req_" + i, REQUEST, c.deployment(), "key"), out);
                    }
                    double relay = (ProcessStats.cpuNanos() - before) / 1e3 / streams;
                    HttpRequest read = HttpRequest.newBuilder(upstream.baseUrl().resolve("/read"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build();
                    for (int i = 0; i < warmup; i++) {
                        drain(http, read);
                    }
                    before = ProcessStats.cpuNanos();
                    for (int i = 0; i < streams; i++) {
                        drain(http, read);
                    }
                    double readOnly = (ProcessStats.cpuNanos() - before) / 1e3 / streams;
                    if (round == 0) {
                        continue;
                    }
                    md.append(String.format(
                            Locale.ROOT,
                            "| %s | %.0f | %.0f | **%.0f** | %.1f |%n",
                            c.name(),
                            relay,
                            readOnly,
                            relay - readOnly,
                            (double) out.chunks / streams));
                }
            }
        }
        md.append(
                        "\nThe gateway's whole request path adds more (the HTTP server, admission, re-encoding for the client, ")
                .append("usage): see `bench/run.sh`.\n");
        System.out.print(md);
        System.exit(0);
    }

    private static void drain(UpstreamHttp http, HttpRequest request) throws Exception {
        try (InputStream body = http.send(request, "read-only").body()) {
            body.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    private static Deployment deployment(String provider, String baseUrl, Map<String, String> options) {
        return new Deployment(provider, "m", baseUrl, null, Pricing.FREE, Duration.ofSeconds(10), options);
    }

    private static List<byte[]> openAi() {
        List<byte[]> frames = new ArrayList<>();
        String head =
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1733400000,\"model\":\"m\",";
        frames.add(
                sse(
                        null,
                        head
                                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}"));
        for (int i = 0; i < CHUNKS; i++) {
            frames.add(sse(
                    null,
                    head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word" + i
                            + "\"},\"logprobs\":null,\"finish_reason\":null}]}"));
        }
        frames.add(sse(null, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
        frames.add(sse(
                null,
                head + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":50,"
                        + "\"total_tokens\":62}}"));
        frames.add("data: [DONE]\n\n".getBytes(UTF_8));
        return frames;
    }

    private static List<byte[]> anthropic() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(sse(
                "message_start",
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"content\":[],\"model\":\"m\",\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}"));
        frames.add(sse(
                "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        for (int i = 0; i < CHUNKS; i++) {
            frames.add(sse(
                    "content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":0,"
                            + "\"delta\":{\"type\":\"text_delta\",\"text\":\" word" + i + "\"}}"));
        }
        frames.add(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        frames.add(sse(
                "message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":50}}"));
        frames.add(sse("message_stop", "{\"type\":\"message_stop\"}"));
        return frames;
    }

    private static List<byte[]> gemini() {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < CHUNKS; i++) {
            String finish = i == CHUNKS - 1 ? ",\"finishReason\":\"STOP\"" : "";
            frames.add(sse(
                    null,
                    "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" word" + i + "\"}],"
                            + "\"role\":\"model\"},\"index\":0" + finish
                            + "}],\"usageMetadata\":{\"promptTokenCount\":12,"
                            + "\"candidatesTokenCount\":" + (i + 1) + ",\"totalTokenCount\":" + (13 + i) + "},"
                            + "\"modelVersion\":\"m\",\"responseId\":\"r1\"}"));
        }
        return frames;
    }

    /** ConverseStream's events as the Bedrock API Reference documents them ({@code transcripts/bedrock}). */
    private static List<byte[]> bedrock() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(EventStreamFrames.event("messageStart", "{\"role\":\"assistant\"}"));
        for (int i = 0; i < CHUNKS; i++) {
            frames.add(EventStreamFrames.event(
                    "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\" word" + i + "\"}}"));
        }
        frames.add(EventStreamFrames.event("contentBlockStop", "{\"contentBlockIndex\":0}"));
        frames.add(EventStreamFrames.event("messageStop", "{\"stopReason\":\"end_turn\"}"));
        frames.add(EventStreamFrames.event(
                "metadata",
                "{\"metrics\":{\"latencyMs\":100},\"usage\":{\"inputTokens\":12,\"outputTokens\":50,"
                        + "\"totalTokens\":62}}"));
        return frames;
    }

    private static byte[] sse(String event, String data) {
        return ((event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n").getBytes(UTF_8);
    }

    /** Discards the stream, counting the chunks that carry output. */
    private static final class Counting implements ChatStreamListener {
        long chunks;

        @Override
        public void onChunk(StreamChunk chunk) {
            if (chunk.hasOutput()) {
                chunks++;
            }
        }

        @Override
        public void onUsage(TokenUsage usage) {}
    }
}
