package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Any upstream that speaks OpenAI's API: OpenAI itself, Azure OpenAI and the compatible family (DeepSeek, Qwen,
 * Mistral, Groq, Together, vLLM, Ollama), each described by an {@link OpenAiDialect}. The caller's body is forwarded
 * whole (after the dialect's renames and drops), with the routed model and two fields the gateway needs:
 * {@code stream: true} and {@code stream_options.include_usage: true}, so every call reports its usage.
 */
public final class OpenAiCompatibleProvider implements ChatProvider, EmbeddingProvider {
    public static final String TYPE = "openai-compatible";

    private final OpenAiDialect dialect;
    private final String type;

    private final UpstreamHttp http;

    /** The generic adapter: any OpenAI-compatible server at the route's base URL. */
    public OpenAiCompatibleProvider(Duration connectTimeout) {
        this(OpenAiPreset.GENERIC, connectTimeout);
    }

    public OpenAiCompatibleProvider(OpenAiDialect dialect, Duration connectTimeout) {
        this(dialect, new UpstreamHttp(connectTimeout));
    }

    /** With the HTTP clients every adapter of this instance shares. */
    public OpenAiCompatibleProvider(OpenAiDialect dialect, UpstreamHttp http) {
        this.dialect = dialect;
        this.type = dialect.type();
        this.http = http;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public void streamChat(ProviderCall call, ChatStreamListener listener) {
        HttpResponse<InputStream> response = send(
                call.deployment(),
                "chat/completions",
                call.requestId(),
                call.credential(),
                "text/event-stream",
                Json.write(upstreamBody(call)));
        try (InputStream body =
                StallGuard.guard(response.body(), call.deployment().idleTimeout())) {
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            if (contentType.startsWith("application/json")) {
                relayWholeCompletion(Json.read(body.readAllBytes()), listener);
            } else {
                relayEventStream(body, listener);
            }
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(type, e);
        }
    }

    @Override
    public EmbeddingResult embed(EmbeddingCall call) {
        ObjectNode upstream = call.request().body().deepCopy();
        upstream.put("model", call.deployment().upstreamModel());
        upstream.put("encoding_format", "float"); // the gateway decodes vectors; it re-encodes as the caller asked
        dialect.adapt(upstream);
        HttpResponse<InputStream> response = send(
                call.deployment(),
                "embeddings",
                call.requestId(),
                call.credential(),
                "application/json",
                Json.write(upstream));
        try (InputStream body = response.body()) {
            return OpenAiEmbeddings.toResult(
                    Json.read(body.readAllBytes()), call.request().inputCount(), type);
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(type, e);
        }
    }

    /** Sends one request; a non-2xx answer is read and thrown as the mapped gateway error. */
    private HttpResponse<InputStream> send(
            Deployment deployment, String operation, String requestId, String credential, String accept, byte[] json) {
        URI uri = dialect.uri(deployment, operation);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(deployment.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
        dialect.authenticate(request, deployment, credential);
        HttpResponse<InputStream> response = http.send(request.build(), type);
        if (response.statusCode() / 100 != 2) {
            try (InputStream body = response.body()) {
                throw errorFrom(response, body);
            } catch (IOException e) {
                throw UpstreamErrors.fromIoFailure(type, e);
            }
        }
        return response;
    }

    ObjectNode upstreamBody(ProviderCall call) {
        ObjectNode body = call.request().body().deepCopy();
        body.put("model", call.deployment().upstreamModel());
        body.put("stream", true);
        if (dialect.acceptsStreamOptions()) {
            ObjectNode options = body.path("stream_options").isObject()
                    ? (ObjectNode) body.get("stream_options")
                    : body.putObject("stream_options");
            options.put("include_usage", true);
        } else {
            body.remove("stream_options");
        }
        dialect.adapt(body);
        return body;
    }

    /**
     * Usage objects in an OpenAI-style stream are cumulative: OpenAI sends one at the end, but Groq (in
     * {@code x_groq}), vLLM with continuous usage stats and others repeat it in several chunks. The last one seen is
     * the call's usage; it is reported once, also when the stream breaks after it. Chunks without choices (the
     * usage-only chunk, Azure's prompt filter results) carry no output and are not passed on.
     */
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private void relayEventStream(InputStream body, ChatStreamListener listener) throws IOException {
        SseEventReader events = new SseEventReader(body);
        boolean done = false;
        JsonNode lastUsage = null;
        try {
            for (SseEventReader.BytesEvent event = events.nextBytes(); event != null; event = events.nextBytes()) {
                byte[] data = stripped(event.data());
                if (Arrays.equals(data, DONE)) {
                    done = true;
                    break;
                }
                if (data.length > 0) {
                    OpenAiChunk chunk = OpenAiChunk.read(data);
                    relayChunk(chunk, listener);
                    lastUsage = chunk.usage() != null ? chunk.usage() : lastUsage;
                }
            }
        } catch (IOException | RuntimeException e) {
            reportUsage(lastUsage, listener);
            throw e;
        }
        reportUsage(lastUsage, listener);
        if (!done) {
            throw UpstreamErrors.incompleteStream(type);
        }
    }

    /** The data without surrounding white space; the same array when it has none (the usual case). */
    private static byte[] stripped(byte[] data) {
        int start = 0;
        int end = data.length;
        while (start < end && Character.isWhitespace(data[start])) {
            start++;
        }
        while (end > start && Character.isWhitespace(data[end - 1])) {
            end--;
        }
        return start == 0 && end == data.length ? data : Arrays.copyOfRange(data, start, end);
    }

    private static void reportUsage(JsonNode usage, ChatStreamListener listener) {
        if (usage != null) {
            listener.onUsage(OpenAiUsage.toTokenUsage(usage));
        }
    }

    private void relayChunk(OpenAiChunk chunk, ChatStreamListener listener) {
        JsonNode error = chunk.error();
        if (error != null && error.isObject()) {
            throw UpstreamErrors.midStreamError(type, error.path("message").asText());
        }
        if (!chunk.choices().isEmpty()) {
            listener.onChunk(chunk.toStreamChunk());
        }
    }

    /**
     * An upstream that ignored {@code stream: true}: its one completion becomes one chunk, each message as the delta
     * of its choice.
     */
    private static void relayWholeCompletion(JsonNode completion, ChatStreamListener listener) throws IOException {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        for (String field : new String[] {"id", "created", "model"}) {
            if (completion.hasNonNull(field)) {
                chunk.set(field, completion.get(field));
            }
        }
        chunk.put("object", "chat.completion.chunk");
        ArrayNode choices = chunk.putArray("choices");
        for (JsonNode choice : completion.path("choices")) {
            ObjectNode delta = choices.addObject();
            delta.put("index", choice.path("index").asInt());
            ObjectNode message = choice.path("message").isObject()
                    ? (ObjectNode) choice.get("message").deepCopy()
                    : Json.MAPPER.createObjectNode();
            int call = 0;
            for (JsonNode toolCall : message.path("tool_calls")) {
                if (toolCall instanceof ObjectNode object) {
                    object.put("index", call++); // stream deltas need the index to keep calls apart
                }
            }
            delta.set("delta", message);
            JsonNode finish = choice.get("finish_reason");
            if (finish != null && finish.isTextual()) {
                delta.set("finish_reason", finish);
            } else {
                delta.putNull("finish_reason");
            }
        }
        if (!choices.isEmpty()) {
            listener.onChunk(OpenAiChunk.read(Json.write(chunk)).toStreamChunk());
        }
        if (completion.path("usage").isObject()) {
            listener.onUsage(OpenAiUsage.toTokenUsage(completion.get("usage")));
        }
    }

    private GatewayException errorFrom(HttpResponse<InputStream> response, InputStream body) throws IOException {
        byte[] bytes = UpstreamHttp.errorBody(body);
        String message = null;
        String code = null;
        try {
            JsonNode root = Json.read(bytes);
            // OpenAI: {"error":{"message","type","code"}}; some servers (vLLM, Ollama) put a string in "error"
            // or use {"message"} / {"detail"} at the top level.
            JsonNode error = root.path("error");
            message = error.isTextual() ? error.asText() : error.path("message").textValue();
            if (message == null) {
                message = root.path("message").isTextual()
                        ? root.get("message").asText()
                        : root.path("detail").isTextual() ? root.get("detail").asText() : null;
            }
            code = error.path("code").isTextual() ? error.get("code").asText() : null;
            if (code == null && OpenAiErrors.saysContextTooLong(message)) {
                code = "context_length_exceeded";
            }
        } catch (IOException notJson) {
            // The status alone decides.
        }
        long retryAfter = UpstreamErrors.parseRetryAfter(
                response.headers().firstValue("Retry-After").orElse(null));
        return UpstreamErrors.fromStatus(type, response.statusCode(), message, code, retryAfter);
    }
}
