package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Any upstream that speaks OpenAI's Chat Completions API: OpenAI itself and the compatible family (vLLM, Ollama,
 * DeepSeek, Groq, ...). The caller's body is forwarded whole, with the routed model and two fields the gateway
 * needs: {@code stream: true} and {@code stream_options.include_usage: true}, so every call reports its usage.
 */
public final class OpenAiCompatibleProvider implements ChatProvider {
    public static final String TYPE = "openai-compatible";
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /** HTTP/2 for TLS upstreams; plain-HTTP upstreams (vLLM, Ollama, tests) get HTTP/1.1 without an h2c upgrade. */
    private final HttpClient tlsClient;
    private final HttpClient plainClient;

    public OpenAiCompatibleProvider(Duration connectTimeout) {
        this.tlsClient = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_2)
                .build();
        this.plainClient = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void streamChat(ProviderCall call, ChatStreamListener listener) {
        Deployment deployment = call.deployment();
        URI uri = URI.create(stripTrailingSlash(deployment.baseUrl()) + "/chat/completions");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(deployment.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .header("X-Request-Id", call.requestId())
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(upstreamBody(call))));
        if (call.credential() != null) {
            request.header("Authorization", "Bearer " + call.credential());
        }
        HttpClient client = "https".equalsIgnoreCase(uri.getScheme()) ? tlsClient : plainClient;
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw errorFrom(response, body);
            }
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            if (contentType.startsWith("application/json")) {
                relayWholeCompletion(Json.read(body.readAllBytes()), listener);
            } else {
                relayEventStream(body, listener);
            }
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        }
    }

    static ObjectNode upstreamBody(ProviderCall call) {
        ObjectNode body = call.request().body().deepCopy();
        body.put("model", call.deployment().upstreamModel());
        body.put("stream", true);
        ObjectNode options = body.path("stream_options").isObject()
                ? (ObjectNode) body.get("stream_options") : body.putObject("stream_options");
        options.put("include_usage", true);
        return body;
    }

    private static void relayEventStream(InputStream body, ChatStreamListener listener) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 8192);
        boolean done = false;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (!line.startsWith("data:")) {
                continue; // blank separators, comments (": keep-alive"), event:/id: lines
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                done = true;
                break;
            }
            if (!data.isEmpty()) {
                relayChunk(Json.read(data), listener);
            }
        }
        if (!done) {
            throw GatewayException.upstream(502, "upstream_error", "upstream_stream_incomplete",
                    "The " + TYPE + " provider ended the stream before it was complete.", -1, null);
        }
    }

    private static void relayChunk(JsonNode chunk, ChatStreamListener listener) {
        JsonNode error = chunk.get("error");
        if (error != null && error.isObject()) {
            throw GatewayException.upstream(502, "upstream_error", "upstream_error",
                    "The " + TYPE + " provider reported an error mid-stream: " + error.path("message").asText(),
                    -1, null);
        }
        JsonNode choices = chunk.get("choices");
        if (choices instanceof ArrayNode array && !array.isEmpty()) {
            listener.onChoices(array);
        }
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            listener.onUsage(OpenAiUsage.toTokenUsage(usage));
        }
    }

    /** An upstream that ignored {@code stream: true}: its one completion becomes one chunk. */
    private static void relayWholeCompletion(JsonNode completion, ChatStreamListener listener) {
        ArrayNode choices = Json.MAPPER.createArrayNode();
        for (JsonNode choice : completion.path("choices")) {
            ObjectNode delta = choices.addObject();
            delta.put("index", choice.path("index").asInt());
            delta.set("delta", choice.path("message").deepCopy());
            delta.set("finish_reason", choice.path("finish_reason"));
        }
        if (!choices.isEmpty()) {
            listener.onChoices(choices);
        }
        if (completion.path("usage").isObject()) {
            listener.onUsage(OpenAiUsage.toTokenUsage(completion.get("usage")));
        }
    }

    private static GatewayException errorFrom(HttpResponse<InputStream> response, InputStream body)
            throws IOException {
        byte[] bytes = body.readNBytes(MAX_ERROR_BODY);
        String message = null;
        String code = null;
        try {
            JsonNode error = Json.read(bytes).path("error");
            message = error.path("message").textValue();
            code = error.path("code").textValue();
        } catch (IOException notJson) {
            // The status alone decides.
        }
        long retryAfter = UpstreamErrors.parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null));
        return UpstreamErrors.fromStatus(TYPE, response.statusCode(), message, code, retryAfter);
    }

    private static String stripTrailingSlash(String url) {
        if (url == null) {
            throw GatewayException.internal(new IllegalStateException("openai-compatible deployment without baseUrl"));
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
