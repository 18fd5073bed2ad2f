package dev.sluice.pipeline;

import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeyAuthenticator;
import dev.sluice.call.Failover;
import dev.sluice.call.Outcome;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.GatewayException;
import dev.sluice.inbound.InboundDialect;
import dev.sluice.inbound.anthropic.AnthropicInbound;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.inbound.openai.OpenAiInbound;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.quota.Admission;
import dev.sluice.quota.RequestAdmitter;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.secret.SecretStore;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.usage.UsageMeter;
import dev.sluice.usage.UsagePublisher;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The request path as DESIGN.md draws it, one stage per step: authenticate → parse (the inbound dialect) → resolve
 * the route → admit → call with failover → relay (and meter) → finish: settle and publish usage before the response
 * closes. Chat in either inbound dialect ({@link InboundDialect}) and embeddings take the same stages.
 */
public final class GatewayPipeline {
    private final ApiKeyAuthenticator authenticate;
    private final RouteResolver resolveRoute;
    private final RequestAdmitter admit;
    private final ProviderRegistry providers;
    private final Failover callWithFailover;
    private final Finish finish;
    private final ModelEndpoints models;
    private final Clock clock;
    private final LongSupplier nanoClock;

    public GatewayPipeline(
            ApiKeyAuthenticator authenticator,
            RouteResolver routes,
            RequestAdmitter admitter,
            SecretStore secrets,
            ProviderRegistry providers,
            UsagePublisher usage,
            Clock clock,
            LongSupplier nanoClock) {
        this.authenticate = authenticator;
        this.resolveRoute = routes;
        this.admit = admitter;
        this.providers = providers;
        this.callWithFailover = new Failover(new DeploymentCredentials(secrets));
        this.finish = new Finish(usage, clock, nanoClock);
        this.models = new ModelEndpoints(authenticator, routes);
        this.clock = clock;
        this.nanoClock = nanoClock;
    }

    /** {@code POST /v1/chat/completions}. */
    public void chatCompletions(GatewayRequest in, ResponseChannel out) {
        chat(OpenAiInbound.INSTANCE, in, out);
    }

    /** {@code POST /v1/messages}, Anthropic's Messages API, served by whichever provider the route names. */
    public void messages(GatewayRequest in, ResponseChannel out) {
        chat(AnthropicInbound.INSTANCE, in, out);
    }

    private void chat(InboundDialect api, GatewayRequest in, ResponseChannel out) {
        Admitted<ChatRequest> admitted = front(in, out, api.errors(), api::parse, ChatRequest::model);
        if (admitted == null) {
            return;
        }
        ChatRequest request = admitted.request();
        ResponseRelay relay =
                api.relay(out, in.requestId(), request, clock.instant().getEpochSecond());
        UsageMeter meter = new UsageMeter(nanoClock, admitted.startNanos());
        ChatStreamListener listener = ChatStreamListener.tee(meter, relay);
        Outcome outcome = callWithFailover.call(
                in.requestId(),
                admitted.route(),
                new Failover.Progress(meter::hasOutput, relay::hasStarted),
                deployment -> {
                    var provider = providers.chat(deployment.provider());
                    return credential -> provider.streamChat(
                            new ProviderCall(in.requestId(), request, deployment, credential), listener);
                });
        finish.chat(outcome, admitted, meter, relay);
    }

    /** {@code POST /v1/embeddings}: vectors in OpenAI's list format, float arrays or base64 as the caller asked. */
    public void embeddings(GatewayRequest in, ResponseChannel out) {
        Admitted<EmbeddingRequest> admitted =
                front(in, out, OpenAiErrorFormat.INSTANCE, EmbeddingRequest::parse, EmbeddingRequest::model);
        if (admitted == null) {
            return;
        }
        EmbeddingRequest request = admitted.request();
        AtomicReference<EmbeddingResult> result = new AtomicReference<>();
        Outcome outcome =
                callWithFailover.call(in.requestId(), admitted.route(), Failover.Progress.NONE, deployment -> {
                    var provider = providers.embeddings(deployment.provider(), request.model());
                    return credential -> result.set(
                            provider.embed(new EmbeddingCall(in.requestId(), request, deployment, credential)));
                });
        finish.embeddings(outcome, admitted, result.get(), out);
    }

    /** {@code POST /v1/messages/count_tokens}, {@code GET /v1/models} and {@code GET /v1/models/{id}}. */
    public ModelEndpoints models() {
        return models;
    }

    /** Authenticate → parse → resolve the route → admit; null once a rejection has been sent. */
    private <R> Admitted<R> front(
            GatewayRequest in,
            ResponseChannel out,
            ErrorFormat errors,
            Function<byte[], R> parse,
            Function<R, String> model) {
        long startNanos = nanoClock.getAsLong();
        try {
            ApiKey key = authenticate.authenticate(in.authorization(), in.apiKeyHeader());
            R request = parse.apply(in.body());
            Route route = resolveRoute.resolve(model.apply(request), key);
            if (admit.admit(key) instanceof Admission.Denied denied) {
                throw GatewayException.rateLimited(denied.reason(), denied.retryAfterSeconds());
            }
            return new Admitted<>(in, key, request, route, startNanos);
        } catch (RuntimeException e) {
            ErrorResponder.reject(out, e, in.requestId(), errors);
            return null;
        }
    }
}
