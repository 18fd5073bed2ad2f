package dev.sluice.provider.anthropic;

import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.ProviderCall;
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

/**
 * Anthropic's Messages API ({@code POST /v1/messages}, streamed). The OpenAI request is translated by
 * {@link AnthropicRequestMapper}, the event stream translated back by {@link AnthropicStreamMapper}, errors by
 * {@link AnthropicErrors}. Anthropic has no embeddings API, so this adapter serves chat only.
 *
 * <p>Deployment options: {@code version} (the {@code anthropic-version} header, default {@value #DEFAULT_VERSION}),
 * {@code beta} (the {@code anthropic-beta} header, sent only when set), {@code defaultMaxTokens} (sent as
 * {@code max_tokens} when the caller gives none; default 4096).
 */
public final class AnthropicProvider implements ChatProvider {
    public static final String TYPE = "anthropic";
    static final String PUBLIC_BASE_URL = "https://api.anthropic.com";
    static final String DEFAULT_VERSION = "2023-06-01";

    private final UpstreamHttp http;

    public AnthropicProvider(Duration connectTimeout) {
        this(new UpstreamHttp(connectTimeout));
    }

    /** With the HTTP clients every adapter of this instance shares. */
    public AnthropicProvider(UpstreamHttp http) {
        this.http = http;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void streamChat(ProviderCall call, ChatStreamListener listener) {
        Deployment deployment = call.deployment();
        MessagesRequest translated = AnthropicRequestMapper.toMessagesRequest(call.request(), deployment);
        URI uri = URI.create(deployment.baseUrlOr(PUBLIC_BASE_URL) + "/v1/messages");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(deployment.timeout())
                .header("content-type", "application/json")
                .header("accept", "text/event-stream")
                .header("anthropic-version", deployment.option("version", DEFAULT_VERSION))
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(translated.body())));
        String beta = deployment.option("beta", null);
        if (beta != null) {
            request.header("anthropic-beta", beta);
        }
        if (call.credential() != null) {
            request.header("x-api-key", call.credential());
        }
        HttpResponse<InputStream> response = http.send(request.build(), TYPE);
        // Closing the body on every way out, the listener's own exceptions included, releases the connection.
        try (InputStream body =
                StallGuard.guard(response.body(), call.deployment().idleTimeout())) {
            if (response.statusCode() / 100 != 2) {
                throw AnthropicErrors.fromResponse(
                        response.statusCode(),
                        UpstreamHttp.errorBody(body),
                        response.headers().firstValue("retry-after").orElse(null));
            }
            AnthropicStreamMapper stream = new AnthropicStreamMapper(translated.responseToolName(), listener);
            String contentType = response.headers().firstValue("content-type").orElse("");
            if (contentType.startsWith("application/json")) {
                stream.relayWholeMessage(Json.read(body.readAllBytes()));
            } else {
                stream.relay(body);
            }
        } catch (IOException e) {
            throw UpstreamErrors.fromIoFailure(TYPE, e);
        }
    }
}
