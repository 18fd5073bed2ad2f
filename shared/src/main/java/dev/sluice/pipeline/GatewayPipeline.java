package dev.sluice.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.api.JsonBodies;
import dev.sluice.api.anthropic.AnthropicMessagesRequest;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeyAuthenticator;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.quota.Admission;
import dev.sluice.quota.RequestAdmitter;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.SecretNotFoundException;
import dev.sluice.secret.SecretStore;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.UsageEvent;
import dev.sluice.usage.UsageMeter;
import dev.sluice.usage.UsagePublisher;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path, top to bottom as DESIGN.md draws it: authenticate → resolve the route → admit against the quota
 * → fetch the credential → call the provider and relay its output → settle usage → publish one usage event, before
 * the response is closed. Chat requests in either dialect ({@link ChatApi}) and embeddings requests take the same
 * stages.
 *
 * <p>Failover: a route lists deployments in order of preference. A deployment that fails with a retriable error
 * (429 or 5xx) before any output was relayed hands the request to the next one; once output has gone to the client,
 * a failure ends the response.
 */
public final class GatewayPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayPipeline.class);

    private final ApiKeyAuthenticator authenticator;
    private final RouteResolver routes;
    private final RequestAdmitter admitter;
    private final SecretStore secrets;
    private final ProviderRegistry providers;
    private final UsagePublisher usage;
    private final Clock clock;
    private final LongSupplier nanoClock;

    public GatewayPipeline(ApiKeyAuthenticator authenticator, RouteResolver routes, RequestAdmitter admitter,
                           SecretStore secrets, ProviderRegistry providers, UsagePublisher usage, Clock clock,
                           LongSupplier nanoClock) {
        this.authenticator = authenticator;
        this.routes = routes;
        this.admitter = admitter;
        this.secrets = secrets;
        this.providers = providers;
        this.usage = usage;
        this.clock = clock;
        this.nanoClock = nanoClock;
    }

    /** {@code POST /v1/chat/completions}. */
    public void chatCompletions(GatewayRequest in, ResponseChannel out) {
        chat(ChatApi.OPENAI, in, out);
    }

    /** {@code POST /v1/messages}, Anthropic's Messages API, served by whichever provider the route names. */
    public void messages(GatewayRequest in, ResponseChannel out) {
        chat(ChatApi.ANTHROPIC, in, out);
    }

    private void chat(ChatApi api, GatewayRequest in, ResponseChannel out) {
        long startNanos = nanoClock.getAsLong();
        Map<String, String> headers = api.errors() == ErrorFormat.ANTHROPIC
                ? Map.of("x-request-id", in.requestId(), "request-id", in.requestId()) // Anthropic SDKs read the latter
                : Map.of("x-request-id", in.requestId());
        ApiKey key;
        ChatRequest request;
        Route route;
        try {
            key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            request = api.parse(in.body());
            route = routes.resolve(request.model(), key);
            admit(key);
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId(), api.errors());
            return;
        }

        ResponseRelay relay = api.relay(out, headers, in.requestId(), request, clock.instant().getEpochSecond(),
                nanoClock, startNanos);
        UsageMeter meter = new UsageMeter(nanoClock, startNanos);
        ChatStreamListener listener = ChatStreamListener.tee(meter, relay);
        Deployment attempted = route.primary();
        Deployment served = null; // the deployment whose provider was called last: the one the usage event bills
        try {
            for (int attempt = 0; ; attempt++) {
                attempted = route.deployments().get(attempt);
                try {
                    String credential = credentialFor(attempted);
                    var provider = providers.chat(attempted.provider());
                    served = attempted;
                    provider.streamChat(new ProviderCall(in.requestId(), request, attempted, credential), listener);
                    break;
                } catch (GatewayException e) {
                    if (!mayFailOver(e, meter.hasOutput(), attempt, route)) {
                        throw e;
                    }
                    logFailover(in.requestId(), attempted, e);
                }
            }
            TokenUsage settled = settle(request, meter);
            UsageEvent event = chatEvent(in, key, request, served, meter, UsageEvent.OK, 200, startNanos);
            if (request.stream()) {
                relay.complete(settled); // publishes after [DONE] is flushed, before the stream is closed
                publish(event);
            } else {
                // A fixed-length reply is complete once written, so publish first: Lambda may freeze right after.
                publish(event);
                relay.complete(settled);
            }
        } catch (ClientDisconnectedException e) {
            LOG.info("request {}: client disconnected after {} output chars", in.requestId(), meter.outputChars());
            if (served != null) {
                publish(chatEvent(in, key, request, served, meter, UsageEvent.CLIENT_DISCONNECTED, 499, startNanos));
            }
        } catch (RuntimeException e) {
            GatewayException error = ErrorResponses.classify(e);
            logFailure(in.requestId(), served != null ? served : attempted, error);
            boolean started = relay.hasStarted();
            UsageEvent event = served == null ? null
                    : chatEvent(in, key, request, served, meter, UsageEvent.UPSTREAM_ERROR, error.status(), startNanos);
            if (event != null && !started) {
                publish(event); // the error reply below ends the response: publish before it
            }
            try {
                relay.fail(error, in.requestId());
            } catch (ClientDisconnectedException gone) {
                LOG.debug("request {}: client gone before the error", in.requestId());
            }
            if (event != null && started) {
                publish(event); // the stream's error event is out; the stream closes after this
            }
        }
    }

    /** {@code POST /v1/embeddings}: vectors in OpenAI's list format, float arrays or base64 as the caller asked. */
    public void embeddings(GatewayRequest in, ResponseChannel out) {
        long startNanos = nanoClock.getAsLong();
        Map<String, String> headers = Map.of("x-request-id", in.requestId());
        ApiKey key;
        EmbeddingRequest request;
        Route route;
        try {
            key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            request = EmbeddingRequest.parse(in.body());
            route = routes.resolve(request.model(), key);
            admit(key);
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId(), ErrorFormat.OPENAI);
            return;
        }
        Deployment attempted = route.primary();
        Deployment served = null;
        EmbeddingResult result = null;
        try {
            for (int attempt = 0; result == null; attempt++) {
                attempted = route.deployments().get(attempt);
                try {
                    var provider = providers.embeddings(attempted.provider(), request.model());
                    String credential = credentialFor(attempted);
                    served = attempted;
                    result = provider.embed(new EmbeddingCall(in.requestId(), request, attempted, credential));
                } catch (GatewayException e) {
                    if (!mayFailOver(e, false, attempt, route)) {
                        throw e;
                    }
                    logFailover(in.requestId(), attempted, e);
                }
            }
        } catch (RuntimeException e) {
            GatewayException error = ErrorResponses.classify(e);
            logFailure(in.requestId(), served != null ? served : attempted, error);
            if (served != null) {
                publish(event(in, key, request.model(), served, TokenUsage.ZERO, false, UsageEvent.UPSTREAM_ERROR,
                        error.status(), -1, false, startNanos));
            }
            respondWithError(out, headers, error, in.requestId(), ErrorFormat.OPENAI);
            return;
        }
        boolean estimated = result.usage() == null;
        TokenUsage tokens = estimated ? TokenUsage.of(EmbeddingBodies.estimateTokens(request), 0) : result.usage();
        byte[] body = Json.write(EmbeddingBodies.list(request, result, tokens));
        publish(event(in, key, request.model(), served, tokens, estimated, UsageEvent.OK, 200, -1, false,
                startNanos));
        try {
            out.sendJson(200, Map.of("x-request-id", in.requestId(), "Content-Type", "application/json"), body);
        } catch (ClientDisconnectedException gone) {
            LOG.info("request {}: client disconnected before the embeddings were sent", in.requestId());
        }
    }

    /**
     * {@code POST /v1/messages/count_tokens}: Anthropic's token counting, answered with the gateway's tokenizer
     * estimate for the alias (the route must exist for the key). Not billed and not counted against quotas.
     */
    public void countTokens(GatewayRequest in, ResponseChannel out) {
        Map<String, String> headers = Map.of("x-request-id", in.requestId(), "request-id", in.requestId(),
                "Content-Type", "application/json");
        try {
            ApiKey key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            ObjectNode body = JsonBodies.object(in.body());
            if (!body.has("max_tokens")) {
                body.put("max_tokens", 1); // count_tokens takes no max_tokens; the translation requires one
            }
            ChatRequest request = AnthropicMessagesRequest.of(body).toChatRequest();
            routes.resolve(request.model(), key);
            ObjectNode count = Json.MAPPER.createObjectNode();
            count.put("input_tokens", TokenEstimator.ofChatRequest(request));
            out.sendJson(200, headers, Json.write(count));
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId(), ErrorFormat.ANTHROPIC);
        }
    }

    /**
     * {@code GET /v1/models}: the aliases the caller's key may use, in OpenAI's list format, or in Anthropic's when the
     * caller sent {@code anthropic-version} (the Anthropic SDKs' {@code models.list}).
     */
    public void listModels(GatewayRequest in, ResponseChannel out) {
        Map<String, String> headers = Map.of("x-request-id", in.requestId(), "Content-Type", "application/json");
        ErrorFormat format = in.anthropicVersion() == null ? ErrorFormat.OPENAI : ErrorFormat.ANTHROPIC;
        try {
            ApiKey key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            var visible = routes.visibleTo(key);
            out.sendJson(200, headers, Json.write(format == ErrorFormat.OPENAI
                    ? ModelBodies.openAiList(visible) : ModelBodies.anthropicList(visible)));
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId(), format);
        }
    }

    /** {@code GET /v1/models/{id}}: one alias the key may use, or 404 {@code model_not_found}. */
    public void retrieveModel(GatewayRequest in, String alias, ResponseChannel out) {
        Map<String, String> headers = Map.of("x-request-id", in.requestId(), "Content-Type", "application/json");
        ErrorFormat format = in.anthropicVersion() == null ? ErrorFormat.OPENAI : ErrorFormat.ANTHROPIC;
        try {
            ApiKey key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            Route route = routes.resolve(alias, key);
            out.sendJson(200, headers, Json.write(format == ErrorFormat.OPENAI
                    ? ModelBodies.openAiModel(route) : ModelBodies.anthropicModel(route)));
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId(), format);
        }
    }

    private void admit(ApiKey key) {
        if (admitter.admit(key) instanceof Admission.Denied denied) {
            throw GatewayException.rateLimited(denied.reason(), denied.retryAfterSeconds());
        }
    }

    /** Retriable failures move on to the next deployment, but only while nothing has reached the client. */
    private static boolean mayFailOver(GatewayException e, boolean outputRelayed, int attempt, Route route) {
        boolean retriable = e.status() == 429 || e.status() >= 500;
        return retriable && !outputRelayed && attempt + 1 < route.deployments().size();
    }

    private String credentialFor(Deployment deployment) {
        if (deployment.secretRef() == null || deployment.secretRef().isBlank()) {
            return null;
        }
        String credential;
        try {
            credential = secrets.get(deployment.secretRef()).strip();
        } catch (SecretNotFoundException e) {
            LOG.error("route secret '{}' is missing", deployment.secretRef());
            throw GatewayException.upstream(502, "upstream_error", "upstream_credentials_missing",
                    "The provider credential for this model is not configured on the gateway.", -1, null);
        }
        // A credential goes into an HTTP header; a stray control character would make the HTTP client throw an
        // exception whose message quotes the header, key included. Reject it here, naming only the reference.
        for (int i = 0; i < credential.length(); i++) {
            char c = credential.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                LOG.error("route secret '{}' contains a control character", deployment.secretRef());
                throw GatewayException.upstream(502, "upstream_error", "upstream_credentials_invalid",
                        "The provider credential for this model is misconfigured on the gateway.", -1, null);
            }
        }
        return credential;
    }

    /** The provider's own count when it gave one; otherwise an estimate (the event is then marked estimated). */
    private static TokenUsage settle(ChatRequest request, UsageMeter meter) {
        if (meter.reportedUsage() != null) {
            return meter.reportedUsage();
        }
        return TokenUsage.of(TokenEstimator.ofChatRequest(request), meter.estimatedOutputTokens());
    }

    /**
     * A failed call that produced no output and reported no usage bills nothing (providers do not charge for
     * rejected requests); everything else bills the provider's count, or the estimate.
     */
    private UsageEvent chatEvent(GatewayRequest in, ApiKey key, ChatRequest request, Deployment deployment,
                                 UsageMeter meter, String status, int httpStatus, long startNanos) {
        boolean nothingServed = UsageEvent.UPSTREAM_ERROR.equals(status) && !meter.hasOutput()
                && meter.reportedUsage() == null;
        TokenUsage tokens = nothingServed ? TokenUsage.ZERO : settle(request, meter);
        boolean estimated = !nothingServed && meter.reportedUsage() == null;
        return event(in, key, request.model(), deployment, tokens, estimated, status, httpStatus,
                meter.timeToFirstTokenNanos(), request.stream(), startNanos);
    }

    private UsageEvent event(GatewayRequest in, ApiKey key, String alias, Deployment deployment, TokenUsage tokens,
                             boolean estimated, String status, int httpStatus, long ttftNanos, boolean streamed,
                             long startNanos) {
        long cost = deployment.pricing().costMicros(tokens.promptTokens(), tokens.cachedPromptTokens(),
                tokens.completionTokens());
        return new UsageEvent(UsageEvent.SCHEMA_VERSION, in.requestId(), clock.millis(), key.tenantId(),
                key.keyId(), alias, deployment.provider(), deployment.upstreamModel(),
                tokens.promptTokens(), tokens.completionTokens(), tokens.cachedPromptTokens(),
                tokens.reasoningTokens(), cost, TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - startNanos),
                ttftNanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(ttftNanos), status, httpStatus, streamed,
                estimated, false);
    }

    /** Usage must not be lost: if the stream refuses it, the event goes to the log whole, to be replayed. */
    private void publish(UsageEvent event) {
        try {
            usage.publish(event);
        } catch (RuntimeException e) {
            LOG.error("usage event NOT published, replay it: {}", Json.writeString(event), e);
        }
    }

    private static void respondWithError(ResponseChannel out, Map<String, String> headers, RuntimeException e,
                                         String requestId, ErrorFormat format) {
        GatewayException error = ErrorResponses.classify(e);
        if (error.status() >= 500) {
            LOG.error("request {} failed", requestId, e);
        }
        try {
            ErrorResponder.send(out, headers, error, requestId, format);
        } catch (ClientDisconnectedException gone) {
            LOG.debug("request {}: client gone before the error response", requestId);
        }
    }

    private static void logFailover(String requestId, Deployment failed, GatewayException error) {
        LOG.warn("request {}: {} {} failed with {} {}, failing over", requestId, failed.provider(),
                failed.upstreamModel(), error.status(), error.code());
    }

    private static void logFailure(String requestId, Deployment deployment, GatewayException error) {
        if (error.status() >= 500) {
            Object[] details = {requestId, deployment.provider(), deployment.upstreamModel(), error.code(),
                    error.getMessage(), error.getCause()};
            LOG.warn("request {}: {} upstream {} failed: {} {}",
                    error.getCause() == null ? java.util.Arrays.copyOf(details, 5) : details);
        } else {
            LOG.info("request {}: upstream answered {} {}", requestId, error.status(), error.code());
        }
    }
}
