package dev.sluice.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.aws.BufferedUrlConnectionHttpClient;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingProvider;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.StallGuard;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import dev.sluice.usage.TokenUsage;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

/**
 * Amazon Bedrock: chat through the Converse API's {@code ConverseStream} (one request shape for every Bedrock model)
 * and embeddings through {@code InvokeModel} (Titan Text Embeddings, Cohere Embed).
 *
 * <p>Calls are signed by the SDK's default credentials chain (in Lambda, the function's role); deployments have no
 * secret. Deployment options: {@code region} (default: this adapter's region); {@code baseUrl} overrides the endpoint
 * (a VPC endpoint, or a local fake in tests); {@code inputType} sets Cohere's {@code input_type}.
 *
 * <p>ConverseStream exists only on the asynchronous client, which needs Netty: that client is built on the first
 * chat call, so a route that never reaches Bedrock pays nothing for it. The SDK does not retry: the gateway owns
 * retries and failover. Clients are kept per region and endpoint.
 */
public final class BedrockProvider implements ChatProvider, EmbeddingProvider, AutoCloseable {
    public static final String TYPE = "bedrock";
    /** Longest silence tolerated inside a started stream (and the ceiling of a first-byte wait). */
    static final Duration STREAM_IDLE_TIMEOUT = Duration.ofMinutes(2);

    /** Concurrent Bedrock streams per router: above Managed Instances' 1,600 streams per execution environment. */
    static final int MAX_STREAMS = 2_000;

    private static final String TOKEN_COUNT_HEADER = "X-Amzn-Bedrock-Input-Token-Count";

    private final String defaultRegion;
    private final Duration connectTimeout;
    private final Map<ClientKey, BedrockRuntimeAsyncClient> streamingClients = new ConcurrentHashMap<>();
    private final Map<ClientKey, BedrockRuntimeClient> clients = new ConcurrentHashMap<>();
    private SdkAsyncHttpClient nettyHttp;
    private SdkHttpClient syncHttp;

    /**
     * @param defaultRegion  the region of deployments without a {@code region} option, e.g. the function's own
     * @param connectTimeout time allowed to open a connection to Bedrock
     */
    public BedrockProvider(String defaultRegion, Duration connectTimeout) {
        this.defaultRegion = Objects.requireNonNull(defaultRegion, "defaultRegion");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    @Override
    public String type() {
        return TYPE;
    }

    // ---- chat --------------------------------------------------------------------------------------------------

    /**
     * Starts the stream on the SDK's threads and relays it from this one. {@link Deployment#timeout()} bounds the
     * wait for the first event, not the stream's length.
     */
    @Override
    public void streamChat(ProviderCall call, ChatStreamListener listener) {
        Deployment deployment = call.deployment();
        BedrockRequestMapper.Mapped mapped =
                BedrockRequestMapper.toConverseStream(call.request(), deployment.upstreamModel());
        StreamHandoff handoff = new StreamHandoff();
        CompletableFuture<Void> future;
        try {
            future = streamingClient(deployment).converseStream(mapped.request(), handoff.responseHandler());
        } catch (SdkException e) {
            throw BedrockErrors.from(e, false);
        }
        future.whenComplete((done, failure) -> {
            if (failure != null) {
                handoff.fail(failure);
            }
        });
        boolean ended = false;
        try {
            boolean complete =
                    relayUntilEnd(handoff, new BedrockStreamMapper(mapped.responseToolName()), deployment, listener);
            ended = true;
            if (!complete) {
                throw UpstreamErrors.incompleteStream(TYPE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        } finally {
            if (!ended) {
                // A timeout, a failure, or a listener whose client went away: release the upstream connection.
                handoff.cancel();
                future.cancel(true);
            }
        }
    }

    /** Relays the stream's events as they come; true when it ended as a complete answer. */
    private static boolean relayUntilEnd(
            StreamHandoff handoff, BedrockStreamMapper mapper, Deployment deployment, ChatStreamListener listener)
            throws InterruptedException {
        // Headers may come before the model produced anything: the deadline holds until the first event; after it,
        // each event must follow the last within the deployment's idle timeout.
        long deadline = System.nanoTime() + deployment.timeout().toNanos();
        boolean started = false;
        while (true) {
            StreamHandoff.Signal signal = started
                    ? handoff.poll(deployment.idleTimeout())
                    : handoff.poll(Duration.ofNanos(deadline - System.nanoTime()));
            switch (signal) {
                case null ->
                    throw started
                            ? UpstreamErrors.fromIoFailure(TYPE, new StallGuard.Stalled(deployment.idleTimeout()))
                            : UpstreamErrors.timeout(TYPE);
                case StreamHandoff.Started headers -> {}
                case StreamHandoff.Event event -> {
                    started = true;
                    mapper.relay(event.event(), listener);
                    handoff.consumed();
                }
                case StreamHandoff.Failed failed ->
                    throw BedrockErrors.from(handoff.mostTelling(failed.cause()), mapper.delivered());
                case StreamHandoff.Completed completed -> {
                    return mapper.complete();
                }
            }
        }
    }

    // ---- embeddings --------------------------------------------------------------------------------------------

    @Override
    public EmbeddingResult embed(EmbeddingCall call) {
        Deployment deployment = call.deployment();
        List<String> texts = call.request().requireTexts(TYPE);
        return switch (BedrockEmbeddingMapper.family(deployment.upstreamModel())) {
            case TITAN -> embedWithTitan(deployment, texts, call.request().dimensions());
            case COHERE -> embedWithCohere(deployment, texts, call.request().dimensions());
        };
    }

    /** Titan takes one text per call; its answers state their token counts. */
    private EmbeddingResult embedWithTitan(Deployment deployment, List<String> texts, int dimensions) {
        String model = deployment.upstreamModel();
        List<byte[]> bodies = texts.stream()
                .map(text -> BedrockEmbeddingMapper.titanBody(model, text, dimensions))
                .toList();
        BedrockRuntimeClient client = client(deployment);
        List<float[]> vectors = new ArrayList<>(texts.size());
        long tokens = 0;
        for (byte[] body : bodies) {
            JsonNode answer = answer(invoke(client, deployment, body));
            vectors.add(BedrockEmbeddingMapper.titanVector(answer));
            tokens += BedrockEmbeddingMapper.titanTokens(answer);
        }
        return new EmbeddingResult(vectors, TokenUsage.of(tokens, 0));
    }

    /** Cohere takes batches; the token count is a response header, and the usage is null if any answer lacks it. */
    private EmbeddingResult embedWithCohere(Deployment deployment, List<String> texts, int dimensions) {
        String model = deployment.upstreamModel();
        String inputType = deployment.option("inputType", BedrockEmbeddingMapper.DEFAULT_COHERE_INPUT_TYPE);
        List<List<String>> batches = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += BedrockEmbeddingMapper.COHERE_BATCH) {
            batches.add(texts.subList(from, Math.min(texts.size(), from + BedrockEmbeddingMapper.COHERE_BATCH)));
        }
        List<byte[]> bodies = batches.stream()
                .map(batch -> BedrockEmbeddingMapper.cohereBody(model, batch, inputType, dimensions))
                .toList();
        BedrockRuntimeClient client = client(deployment);
        List<float[]> vectors = new ArrayList<>(texts.size());
        long tokens = 0;
        boolean counted = true;
        for (int i = 0; i < bodies.size(); i++) {
            InvokeModelResponse response = invoke(client, deployment, bodies.get(i));
            vectors.addAll(BedrockEmbeddingMapper.cohereVectors(
                    answer(response), batches.get(i).size()));
            long count = response.sdkHttpResponse()
                    .firstMatchingHeader(TOKEN_COUNT_HEADER)
                    .map(BedrockProvider::parseCount)
                    .orElse(-1L);
            counted &= count >= 0;
            tokens += Math.max(0, count);
        }
        return new EmbeddingResult(vectors, counted ? TokenUsage.of(tokens, 0) : null);
    }

    private static InvokeModelResponse invoke(BedrockRuntimeClient client, Deployment deployment, byte[] body) {
        InvokeModelRequest request = InvokeModelRequest.builder()
                .modelId(deployment.upstreamModel())
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromByteArray(body))
                .overrideConfiguration(o -> o.apiCallTimeout(deployment.timeout()))
                .build();
        try {
            return client.invokeModel(request);
        } catch (SdkException e) {
            throw BedrockErrors.from(e, false);
        }
    }

    private static JsonNode answer(InvokeModelResponse response) {
        try {
            return Json.read(response.body().asByteArray());
        } catch (IOException e) {
            throw UpstreamErrors.fromStatus(TYPE, 502, null, null, -1);
        }
    }

    private static long parseCount(String header) {
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- clients -----------------------------------------------------------------------------------------------

    /** Clients are bound to a region and an endpoint; routes name both per deployment. */
    private record ClientKey(String region, URI endpoint) {
        static ClientKey of(Deployment deployment, String defaultRegion) {
            String baseUrl = deployment.baseUrl();
            URI endpoint = baseUrl == null || baseUrl.isBlank() ? null : URI.create(deployment.baseUrlOr(baseUrl));
            return new ClientKey(deployment.option("region", defaultRegion), endpoint);
        }
    }

    private BedrockRuntimeAsyncClient streamingClient(Deployment deployment) {
        return streamingClients.computeIfAbsent(
                ClientKey.of(deployment, defaultRegion),
                key -> configure(BedrockRuntimeAsyncClient.builder(), key)
                        .httpClient(nettyHttp())
                        .build());
    }

    private BedrockRuntimeClient client(Deployment deployment) {
        return clients.computeIfAbsent(
                ClientKey.of(deployment, defaultRegion),
                key -> configure(BedrockRuntimeClient.builder(), key)
                        .httpClient(syncHttp())
                        .build());
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B builder, ClientKey key) {
        builder.region(Region.of(key.region()))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (key.endpoint() != null) {
            builder.endpointOverride(key.endpoint());
        }
        return builder;
    }

    /**
     * HTTP/1.1 even over TLS: ConverseStream is a one-way stream that does not need HTTP/2, and plain-HTTP
     * endpoints (tests, local proxies) would otherwise get HTTP/2 with prior knowledge. A connection per concurrent
     * stream, up to {@link #MAX_STREAMS}: the SDK's default of 50 would make the 51st concurrent stream of a Managed
     * Instances environment wait for a connection, and fail after the acquisition timeout.
     */
    private synchronized SdkAsyncHttpClient nettyHttp() {
        if (nettyHttp == null) {
            nettyHttp = NettyNioAsyncHttpClient.builder()
                    .protocol(Protocol.HTTP1_1)
                    .maxConcurrency(MAX_STREAMS)
                    .connectionTimeout(connectTimeout)
                    .readTimeout(STREAM_IDLE_TIMEOUT)
                    .eventLoopGroupBuilder(SdkEventLoopGroup.builder().numberOfThreads(2))
                    .build();
        }
        return nettyHttp;
    }

    private synchronized SdkHttpClient syncHttp() {
        if (syncHttp == null) {
            syncHttp = BufferedUrlConnectionHttpClient.create(connectTimeout, STREAM_IDLE_TIMEOUT);
        }
        return syncHttp;
    }

    /** Closes the clients built so far; for shutdown hooks and tests. */
    @Override
    public synchronized void close() {
        streamingClients.values().forEach(BedrockRuntimeAsyncClient::close);
        clients.values().forEach(BedrockRuntimeClient::close);
        streamingClients.clear();
        clients.clear();
        if (nettyHttp != null) {
            nettyHttp.close();
            nettyHttp = null;
        }
        if (syncHttp != null) {
            syncHttp.close();
            syncHttp = null;
        }
    }

    @Override
    public String toString() {
        return "BedrockProvider[defaultRegion=" + defaultRegion + "]";
    }
}
