package dev.sluice.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingProvider;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.SseEventReader;
import dev.sluice.provider.StallGuard;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.route.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Google's Gemini API (Generative Language API, https://ai.google.dev/api): chat through
 * {@code models/{model}:streamGenerateContent?alt=sse} and embeddings through
 * {@code models/{model}:batchEmbedContents}.
 * The API key travels in the {@code x-goog-api-key} header, never in the query string, where access logs would keep
 * it. Request translation is {@link GeminiRequestMapper}'s, stream translation {@link GeminiStreamMapper}'s, error
 * mapping {@link GeminiErrors}'.
 */
public final class GeminiProvider implements ChatProvider, EmbeddingProvider {
    public static final String TYPE = "gemini";
    public static final String PUBLIC_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

    private final UpstreamHttp http;

    public GeminiProvider(Duration connectTimeout) {
        this(new UpstreamHttp(connectTimeout));
    }

    /** With the HTTP clients every adapter of this instance shares. */
    public GeminiProvider(UpstreamHttp http) {
        this.http = http;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void streamChat(ProviderCall call, ChatStreamListener listener) {
        Deployment deployment = call.deployment();
        ObjectNode body = GeminiRequestMapper.toGenerateContent(call.request(), deployment);
        URI uri = endpoint(deployment, ":streamGenerateContent?alt=sse");
        HttpResponse<InputStream> response = send(request(uri, call.requestId(), call.credential(), deployment, body)
                .header("Accept", "text/event-stream")
                .build());
        try (InputStream stream = StallGuard.guard(response.body(), deployment.idleTimeout())) {
            if (response.statusCode() / 100 != 2) {
                throw errorFrom(response, stream);
            }
            relayEventStream(stream, new GeminiStreamMapper(listener));
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        }
    }

    @Override
    public EmbeddingResult embed(EmbeddingCall call) {
        List<String> texts = call.request().requireTexts(TYPE);
        Deployment deployment = call.deployment();
        String model = GeminiRequestMapper.modelPath(deployment.upstreamModel());
        URI uri = endpoint(deployment, ":batchEmbedContents");
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += GeminiRequestMapper.MAX_EMBED_BATCH) {
            int to = Math.min(texts.size(), from + GeminiRequestMapper.MAX_EMBED_BATCH);
            List<String> batch = texts.subList(from, to);
            ObjectNode body = GeminiRequestMapper.toBatchEmbed(
                    model, batch, call.request().dimensions());
            vectors.addAll(embedBatch(
                    request(uri, call.requestId(), call.credential(), deployment, body)
                            .header("Accept", "application/json")
                            .build(),
                    batch.size()));
        }
        return new EmbeddingResult(vectors, null); // Gemini reports no token usage for embeddings
    }

    private List<float[]> embedBatch(HttpRequest request, int expected) {
        HttpResponse<InputStream> response = send(request);
        JsonNode answer;
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw errorFrom(response, body);
            }
            answer = Json.read(body.readAllBytes());
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        }
        JsonNode embeddings = answer.path("embeddings");
        if (!embeddings.isArray() || embeddings.size() != expected) {
            throw UpstreamErrors.malformedResponse(TYPE, embeddings.size() + " embeddings for " + expected + " inputs");
        }
        List<float[]> vectors = new ArrayList<>(expected);
        for (JsonNode embedding : embeddings) {
            JsonNode values = embedding.path("values");
            float[] vector = new float[values.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = values.get(i).floatValue();
            }
            vectors.add(vector);
        }
        return vectors;
    }

    private static URI endpoint(Deployment deployment, String method) {
        return URI.create(deployment.baseUrlOr(PUBLIC_BASE_URL) + "/"
                + GeminiRequestMapper.modelPath(deployment.upstreamModel()) + method);
    }

    private static HttpRequest.Builder request(
            URI uri, String requestId, String credential, Deployment deployment, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(deployment.timeout())
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        if (credential != null) {
            request.header("x-goog-api-key", credential);
        }
        return request;
    }

    private HttpResponse<InputStream> send(HttpRequest request) {
        return http.send(request, TYPE);
    }

    /** Server-sent events, each one JSON response. */
    private static void relayEventStream(InputStream body, GeminiStreamMapper mapper) throws IOException {
        SseEventReader events = new SseEventReader(body);
        for (SseEventReader.Event event = events.next(); event != null; event = events.next()) {
            if (event.data().isEmpty()) {
                continue;
            }
            GeminiResponse response;
            try {
                response = Json.MAPPER.readValue(event.data(), GeminiResponse.class);
            } catch (IOException unreadable) {
                if (event.terminated()) {
                    throw unreadable;
                }
                // A last event without its blank line: whole when it parses, a cut otherwise.
                throw UpstreamErrors.incompleteStream(TYPE);
            }
            mapper.onResponse(response);
        }
        mapper.complete();
    }

    private static GatewayException errorFrom(HttpResponse<InputStream> response, InputStream body) throws IOException {
        return GeminiErrors.fromResponse(
                response.statusCode(),
                UpstreamHttp.errorBody(body),
                response.headers().firstValue("Retry-After").orElse(null));
    }
}
