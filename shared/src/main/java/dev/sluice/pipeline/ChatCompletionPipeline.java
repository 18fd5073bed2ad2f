package dev.sluice.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeyAuthenticator;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.quota.Admission;
import dev.sluice.quota.RequestAdmitter;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.SecretNotFoundException;
import dev.sluice.secret.SecretStore;
import dev.sluice.stream.ChatCompletionRelay;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.UsageEvent;
import dev.sluice.usage.UsagePublisher;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path of {@code POST /v1/chat/completions}, top to bottom as DESIGN.md draws it:
 * authenticate → resolve the route → admit against the quota → fetch the credential → call the provider and relay
 * its stream → settle usage → publish one usage event, before the response is closed.
 */
public final class ChatCompletionPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(ChatCompletionPipeline.class);

    private final ApiKeyAuthenticator authenticator;
    private final RouteResolver routes;
    private final RequestAdmitter admitter;
    private final SecretStore secrets;
    private final ProviderRegistry providers;
    private final UsagePublisher usage;
    private final Clock clock;
    private final LongSupplier nanoClock;

    public ChatCompletionPipeline(ApiKeyAuthenticator authenticator, RouteResolver routes, RequestAdmitter admitter,
                                  SecretStore secrets, ProviderRegistry providers, UsagePublisher usage,
                                  Clock clock, LongSupplier nanoClock) {
        this.authenticator = authenticator;
        this.routes = routes;
        this.admitter = admitter;
        this.secrets = secrets;
        this.providers = providers;
        this.usage = usage;
        this.clock = clock;
        this.nanoClock = nanoClock;
    }

    public void chatCompletions(GatewayRequest in, ResponseChannel out) {
        long startNanos = nanoClock.getAsLong();
        Map<String, String> headers = Map.of("x-request-id", in.requestId());
        ApiKey key;
        ChatRequest request;
        Deployment deployment;
        String credential;
        ChatProvider provider;
        try {
            key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            request = ChatRequest.parse(in.body());
            Route route = routes.resolve(request.model(), key);
            admit(key);
            deployment = route.primary();
            credential = credentialFor(deployment);
            provider = providers.get(deployment.provider());
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId());
            return;
        }

        ResponseRelay relay = new ChatCompletionRelay(out, headers, "chatcmpl-" + in.requestId(),
                request.model(), clock.instant().getEpochSecond(), request.stream(), request.includeUsage(),
                nanoClock, startNanos);
        String status = UsageEvent.OK;
        int httpStatus = 200;
        boolean published = false;
        try {
            provider.streamChat(new ProviderCall(in.requestId(), request, deployment, credential), relay);
            TokenUsage settled = settle(request, relay);
            if (request.stream()) {
                relay.complete(settled);
                publish(event(in, key, request, deployment, relay, status, httpStatus, startNanos));
            } else {
                // A fixed-length reply is complete once written, so publish first: Lambda may freeze right after.
                publish(event(in, key, request, deployment, relay, status, httpStatus, startNanos));
                published = true;
                relay.complete(settled);
            }
            return;
        } catch (ClientDisconnectedException e) {
            status = UsageEvent.CLIENT_DISCONNECTED;
            httpStatus = 499;
            LOG.info("request {}: client disconnected after {} output chars", in.requestId(), relay.outputChars());
        } catch (RuntimeException e) {
            GatewayException error = ErrorResponses.classify(e);
            status = UsageEvent.UPSTREAM_ERROR;
            httpStatus = error.status();
            logFailure(in.requestId(), deployment, error);
            try {
                relay.fail(error, in.requestId());
            } catch (ClientDisconnectedException gone) {
                status = UsageEvent.CLIENT_DISCONNECTED;
            }
        }
        if (!published) {
            publish(event(in, key, request, deployment, relay, status, httpStatus, startNanos));
        }
    }

    /** {@code GET /v1/models}: the aliases the caller's key may use, in OpenAI's list format. */
    public void listModels(GatewayRequest in, ResponseChannel out) {
        Map<String, String> headers = Map.of("x-request-id", in.requestId(), "Content-Type", "application/json");
        try {
            ApiKey key = authenticator.authenticate(in.authorization(), in.apiKeyHeader());
            ObjectNode list = Json.MAPPER.createObjectNode();
            list.put("object", "list");
            ArrayNode data = list.putArray("data");
            for (Route route : routes.visibleTo(key)) {
                data.addObject().put("id", route.alias()).put("object", "model").put("created", 0)
                        .put("owned_by", route.primary().provider());
            }
            out.sendJson(200, headers, Json.write(list));
        } catch (RuntimeException e) {
            respondWithError(out, headers, e, in.requestId());
        }
    }

    private void admit(ApiKey key) {
        if (admitter.admit(key) instanceof Admission.Denied denied) {
            throw GatewayException.rateLimited(denied.reason(), denied.retryAfterSeconds());
        }
    }

    private String credentialFor(Deployment deployment) {
        if (deployment.secretRef() == null || deployment.secretRef().isBlank()) {
            return null;
        }
        try {
            return secrets.get(deployment.secretRef());
        } catch (SecretNotFoundException e) {
            LOG.error("route secret '{}' is missing", deployment.secretRef());
            throw GatewayException.upstream(502, "upstream_error", "upstream_credentials_missing",
                    "The provider credential for this model is not configured on the gateway.", -1, null);
        }
    }

    /** The provider's own count when it gave one; otherwise an estimate (the event is then marked estimated). */
    private static TokenUsage settle(ChatRequest request, ResponseRelay relay) {
        if (relay.reportedUsage() != null) {
            return relay.reportedUsage();
        }
        return TokenUsage.of(TokenEstimator.ofMessages(request.messages()),
                (relay.outputChars() + 3) / 4);
    }

    private UsageEvent event(GatewayRequest in, ApiKey key, ChatRequest request, Deployment deployment,
                             ResponseRelay relay, String status, int httpStatus, long startNanos) {
        boolean estimated = relay.reportedUsage() == null;
        TokenUsage tokens = settle(request, relay);
        long cost = deployment.pricing().costMicros(tokens.promptTokens(), tokens.cachedPromptTokens(),
                tokens.completionTokens());
        long ttft = relay.timeToFirstTokenNanos();
        return new UsageEvent(UsageEvent.SCHEMA_VERSION, in.requestId(), clock.millis(), key.tenantId(),
                key.keyId(), request.model(), deployment.provider(), deployment.upstreamModel(),
                tokens.promptTokens(), tokens.completionTokens(), tokens.cachedPromptTokens(),
                tokens.reasoningTokens(), cost, TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - startNanos),
                ttft < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(ttft), status, httpStatus, request.stream(),
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
                                         String requestId) {
        GatewayException error = ErrorResponses.classify(e);
        if (error.status() >= 500) {
            LOG.error("request {} failed", requestId, e);
        }
        try {
            ErrorResponder.send(out, headers, error, requestId);
        } catch (ClientDisconnectedException gone) {
            LOG.debug("request {}: client gone before the error response", requestId);
        }
    }

    private static void logFailure(String requestId, Deployment deployment, GatewayException error) {
        if (error.status() >= 500) {
            LOG.warn("request {}: {} upstream {} failed: {} {}", requestId, deployment.provider(),
                    deployment.upstreamModel(), error.code(), error.getMessage(), error.getCause());
        } else {
            LOG.info("request {}: upstream answered {} {}", requestId, error.status(), error.code());
        }
    }
}
