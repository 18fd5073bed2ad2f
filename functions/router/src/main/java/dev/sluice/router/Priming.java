package dev.sluice.router;

import dev.sluice.api.ChatRequest;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.InMemoryTenantRepository;
import dev.sluice.auth.Tenant;
import dev.sluice.aws.DirectPutRecords;
import dev.sluice.inbound.openai.ChatCompletionRelay;
import dev.sluice.json.Json;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.pipeline.GatewayRequest;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Charge;
import dev.sluice.quota.InMemoryQuotaLedger;
import dev.sluice.quota.Limits;
import dev.sluice.quota.QuotaLedger;
import dev.sluice.quota.SlotBuckets;
import dev.sluice.quota.Windows;
import dev.sluice.route.Deployment;
import dev.sluice.route.InMemoryRouteRepository;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.secret.SecretsManagerSecretStore;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.InMemoryUsageStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.endpoints.BedrockRuntimeEndpointProvider;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointProvider;
import software.amazon.awssdk.services.secretsmanager.endpoints.SecretsManagerEndpointProvider;

/**
 * Work done once before a SnapStart snapshot (or at start with {@code SLUICE_PRIME_ON_START=true}), so restored
 * instances find the classes loaded and initialised and the request path already run once, instead of paying for
 * that on their first request.
 *
 * <p>Nothing here opens a connection, resolves AWS credentials or touches the production pipeline and its caches:
 * whatever priming builds is thrown away, and nothing in the snapshot depends on it. The pipeline runs against
 * in-memory ports and the demo model; the AWS SDK is exercised up to the point where a call would start (request
 * objects, endpoint rules, SigV4 signing with throw-away credentials); TLS up to the first handshake message.
 */
final class Priming {
    /** A key that exists only in the priming pipeline's in-memory repository. */
    static final String PRIMING_KEY = "sk-sluice-priming-only";

    static final String MODEL = "prime";
    static final String PRIMING_TABLE = "priming";
    static final String PRIMING_COUNTER = "tenant#priming";
    /** Every limit on, so priming runs the whole of admission and settlement. */
    static final Limits PRIMING_LIMITS = new Limits(1_000, 1_000_000, 10, 1_000_000, 10_000_000);

    static final Charge PRIMING_CHARGE = new Charge(1, 100, 100);
    static final String PRIMING_SECRET = "priming";

    private Priming() {}

    /** Registers each step as its own before-checkpoint hook, so the hook's report times them one by one. */
    static void register(SnapStartHooks hooks, String region) {
        hooks.beforeCheckpoint("prime-json", Priming::json)
                .beforeCheckpoint("prime-tls", () -> tls(region))
                .beforeCheckpoint("prime-pipeline", Priming::pipeline)
                .beforeCheckpoint("prime-tokenizer", Priming::tokenizer)
                .beforeCheckpoint("prime-aws-sdk", () -> awsSdk(region));
    }

    /**
     * Jackson: a chat request parsed and validated; typed chunks relayed as a streamed chat completion, and the
     * chunk written read back.
     */
    static void json() {
        ChatRequest request = ChatRequest.parse("""
                {"model":"prime","stream":true,"stream_options":{"include_usage":true},"temperature":0.5,
                 "messages":[{"role":"system","content":"Be brief."},
                             {"role":"user","content":[{"type":"text","text":"Hello"}]}]}""".getBytes(StandardCharsets.UTF_8));
        BufferChannel channel = new BufferChannel();
        ChatCompletionRelay relay = new ChatCompletionRelay(
                channel, "chatcmpl-prime", request.model(), 0, request.stream(), request.includeUsage());
        relay.onChunk(StreamChunk.start());
        relay.onChunk(StreamChunk.of(new StreamDelta.Text(0, request.lastUserText())));
        relay.onChunk(StreamChunk.of(new StreamDelta.Finish(0, "stop")));
        relay.complete(TokenUsage.of(1, 1));
        String firstFrame = channel.body.toString(StandardCharsets.UTF_8).split("\n\n", 2)[0];
        try {
            Json.read(firstFrame.substring("data: ".length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The default {@link SSLContext} (trust store loaded, providers initialised) and a client {@link SSLEngine} that
     * writes its ClientHello into a buffer: cipher suites chosen and key shares generated, nothing sent (Bedrock's
     * Netty client runs TLS on engines); and an unconnected {@link SSLSocket}, the kind the HTTP providers' client
     * ({@code BlockingHttp1Client}) connects with. Both are discarded, so no TLS session is in the snapshot.
     */
    static void tls(String region) {
        try {
            SSLContext context = SSLContext.getDefault();
            SSLEngine engine = context.createSSLEngine("bedrock-runtime." + region + ".amazonaws.com", 443);
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            engine.beginHandshake();
            ByteBuffer clientHello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), clientHello);
            engine.closeOutbound();
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.setSSLParameters(parameters);
            }
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("TLS priming failed", e);
        }
    }

    /**
     * One of each request kind through a {@link GatewayPipeline} wired the production way ({@link GatewayWiring})
     * with in-memory ports and the demo model: streamed and whole chat completions, a streamed Anthropic message,
     * count_tokens, embeddings, the model list and a 404. The usage events are encoded as the Kinesis publisher
     * encodes them.
     */
    static void pipeline() {
        InMemoryKeyRepository keys = new InMemoryKeyRepository();
        String hash = ApiKeys.sha256Hex(PRIMING_KEY);
        keys.put(
                hash,
                ApiKey.app(ApiKeys.keyIdFor(hash), "priming", "priming", Set.of(), Limits.requestsPerMinute(1_000)));
        InMemoryTenantRepository tenants = new InMemoryTenantRepository();
        tenants.put(new Tenant("priming", "priming", Tenant.Status.ACTIVE, Set.of(), PRIMING_LIMITS));
        InMemoryRouteRepository routes = new InMemoryRouteRepository();
        routes.put(new Route(
                MODEL,
                List.of(new Deployment(
                        DemoProvider.TYPE, "prime-1", null, null, new Pricing(1_000_000, 2_000_000, 0), null))));
        InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
        GatewayPipeline pipeline = GatewayWiring.pipeline(
                keys,
                tenants,
                routes,
                new InMemoryQuotaLedger(),
                new InMemoryUsageStore(),
                new LocalSecretStore(Map.of()),
                usage,
                List.of(new DemoProvider(Duration.ZERO)),
                Duration.ZERO,
                Duration.ZERO,
                Clock.systemUTC());

        String chat = "{\"model\":\"prime\",\"stream\":%s,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Prime the gateway before the snapshot.\"}]}";
        String message = "{\"model\":\"prime\",\"max_tokens\":32,\"stream\":%s,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Prime the Messages API too.\"}]}";
        call(pipeline::chatCompletions, bearer(chat.formatted(true)), 200);
        call(pipeline::chatCompletions, bearer(chat.formatted(false)), 200);
        call(pipeline::messages, anthropic(message.formatted(true)), 200);
        call(pipeline::messages, anthropic(message.formatted(false)), 200);
        call(
                pipeline.models()::countTokens,
                anthropic("{\"model\":\"prime\",\"messages\":[{\"role\":\"user\"," + "\"content\":\"Count me.\"}]}"),
                200);
        call(pipeline::embeddings, bearer("{\"model\":\"prime\",\"input\":[\"one\",\"two\"]}"), 200);
        call(pipeline.models()::list, bearer(""), 200);
        call(pipeline::chatCompletions, bearer(chat.formatted(true).replace("\"prime\"", "\"missing\"")), 404);

        List<DirectPutRecords.Entry> records = new ArrayList<>();
        for (UsageEvent event : usage.events()) {
            records.add(KinesisUsagePublisher.record(event));
        }
        if (records.isEmpty()) {
            throw new IllegalStateException("the priming requests published no usage event");
        }
        DirectPutRecords.requestBody("priming", records);
    }

    /** The o200k_base vocabulary: a few MB and about a second of CPU, loaded here rather than on a request. */
    static void tokenizer() {
        TokenEstimator.ofText("Sluice loads the o200k_base tokenizer before the snapshot.");
    }

    /**
     * The AWS SDK up to the network: request objects of every operation the router sends, each service's endpoint
     * rules evaluated for the region, and a SigV4 signature computed with throw-away credentials (the function's
     * real credentials are resolved on the first call after restore, never in the snapshot).
     */
    static void awsSdk(String region) {
        Region awsRegion = Region.of(region);
        requestPathRequests();
        ConverseStreamRequest.builder()
                .modelId("priming")
                .messages(Message.builder()
                        .role(ConversationRole.USER)
                        .content(ContentBlock.fromText("hi"))
                        .build())
                .inferenceConfig(InferenceConfiguration.builder().maxTokens(16).build())
                .build();

        DynamoDbEndpointProvider.defaultProvider()
                .resolveEndpoint(p -> p.region(awsRegion))
                .join();
        SecretsManagerEndpointProvider.defaultProvider()
                .resolveEndpoint(p -> p.region(awsRegion))
                .join();
        BedrockRuntimeEndpointProvider.defaultProvider()
                .resolveEndpoint(p -> p.region(awsRegion))
                .join();

        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create("https://dynamodb." + region + ".amazonaws.com/"))
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", "DynamoDB_20120810.GetItem")
                .build();
        AwsV4HttpSigner.create()
                .sign(r -> r.identity(AwsCredentialsIdentity.create("AKIDPRIMINGONLY", "priming-only"))
                        .request(request)
                        .payload(ContentStreamProvider.fromUtf8String("{\"TableName\":\"priming\"}"))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "dynamodb")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region));
    }

    /**
     * The AWS requests a request sends (key read, route read, quota reservation, secret read), built by the
     * adapters' own request builders so that what priming loads is what requests use.
     */
    static List<SdkRequest> requestPathRequests() {
        return List.of(
                DynamoDbKeyRepository.getItemRequest(PRIMING_TABLE, ApiKeys.sha256Hex(PRIMING_KEY)),
                DynamoDbRouteRepository.getItemRequest(PRIMING_TABLE, MODEL),
                DynamoDbQuotaLedger.reserveRequest(
                        PRIMING_TABLE,
                        PRIMING_COUNTER,
                        PRIMING_LIMITS,
                        PRIMING_CHARGE,
                        SlotBuckets.bucketAt(Instant.EPOCH),
                        1,
                        Windows.at(Instant.EPOCH),
                        Instant.EPOCH,
                        QuotaLedger.DEFAULT_MAX_REQUEST_DURATION,
                        null),
                SecretsManagerSecretStore.getSecretValueRequest(PRIMING_SECRET));
    }

    private static GatewayRequest bearer(String body) {
        return new GatewayRequest("req_priming", "Bearer " + PRIMING_KEY, null, body.getBytes(StandardCharsets.UTF_8));
    }

    private static GatewayRequest anthropic(String body) {
        return new GatewayRequest(
                "req_priming", null, PRIMING_KEY, "2023-06-01", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void call(
            BiConsumer<GatewayRequest, ResponseChannel> endpoint, GatewayRequest request, int expectedStatus) {
        BufferChannel channel = new BufferChannel();
        endpoint.accept(request, channel);
        if (channel.status != expectedStatus) {
            throw new IllegalStateException("priming request answered " + channel.status + ", expected "
                    + expectedStatus + ": " + channel.body.toString(StandardCharsets.UTF_8));
        }
    }

    /** A response channel that keeps the response in memory. */
    private static final class BufferChannel implements ResponseChannel {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status;

        @Override
        public void sendJson(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.body.writeBytes(body);
        }

        @Override
        public OutputStream startStream(int status, Map<String, String> headers) {
            this.status = status;
            return body;
        }
    }
}
