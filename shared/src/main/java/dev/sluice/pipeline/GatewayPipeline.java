package dev.sluice.pipeline;

import dev.sluice.admin.AdminApi;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.Caller;
import dev.sluice.call.Attempts;
import dev.sluice.call.DeploymentPlanner;
import dev.sluice.call.Failover;
import dev.sluice.call.Outcome;
import dev.sluice.error.ErrorFormat;
import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.guard.Guard;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.health.DeploymentHealth;
import dev.sluice.health.HealthBoard;
import dev.sluice.inbound.InboundDialect;
import dev.sluice.inbound.anthropic.AnthropicInbound;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.inbound.openai.OpenAiInbound;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatParameters;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.ProviderRegistry;
import dev.sluice.quota.Admitter;
import dev.sluice.quota.Demand;
import dev.sluice.quota.Grant;
import dev.sluice.quota.PromptBound;
import dev.sluice.responsecache.AnswerCache;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.responsecache.CachedAnswer;
import dev.sluice.route.Deployment;
import dev.sluice.route.RequestTraits;
import dev.sluice.route.Route;
import dev.sluice.route.RouteResolver;
import dev.sluice.route.RouteRule;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.secret.SecretStore;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.HeaderChannel;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.trace.Tracing;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.UsageMeter;
import dev.sluice.usage.UsagePublisher;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path as DESIGN.md draws it, one stage per step: authenticate → parse (the inbound dialect) → resolve
 * the route → admit → call with failover → relay (and meter) → finish: settle and publish usage before the response
 * closes. Chat in either inbound dialect ({@link InboundDialect}) and embeddings take the same stages.
 */
public final class GatewayPipeline {
    /** The output reserved for a request that sets no {@code max_tokens} when a limit needs a bound. */
    public static final long DEFAULT_MAX_OUTPUT = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(GatewayPipeline.class);

    private final Authenticator authenticate;
    private final RouteResolver resolveRoute;
    private final Admitter admit;
    private final ProviderRegistry providers;
    private final DeploymentPlanner plan;
    private final AnswerCache answers;
    private final Guard guard;
    private final Failover callWithFailover;
    private final Finish finish;
    private final ModelEndpoints models;
    private final AdminApi admin;
    private final Clock clock;
    private final LongSupplier nanoClock;

    public GatewayPipeline(
            Authenticator authenticator,
            RouteResolver routes,
            Admitter admitter,
            SecretStore secrets,
            ProviderRegistry providers,
            UsagePublisher usage,
            Clock clock,
            LongSupplier nanoClock,
            DeploymentHealth health,
            CacheStores cache,
            AdminApi admin) {
        this.authenticate = authenticator;
        this.answers = new AnswerCache(cache.answers(), cache.vectors(), this::embedForCache);
        this.resolveRoute = routes;
        this.admit = admitter;
        this.providers = providers;
        this.guard = new Guard(providers.guardrails());
        // ThreadLocalRandom.current() is one shared instance whose state lives in the calling thread: safe to keep.
        this.plan = new DeploymentPlanner(health, ThreadLocalRandom.current());
        this.callWithFailover = new Failover(new DeploymentCredentials(secrets), health, nanoClock);
        this.finish = new Finish(usage, clock, nanoClock);
        this.models = new ModelEndpoints(authenticator, routes);
        this.admin = admin;
        this.clock = clock;
        this.nanoClock = nanoClock;
    }

    /** A pipeline without the management API, with breakers of its own (tests of the request path). */
    public GatewayPipeline(
            Authenticator authenticator,
            RouteResolver routes,
            Admitter admitter,
            SecretStore secrets,
            ProviderRegistry providers,
            UsagePublisher usage,
            Clock clock,
            LongSupplier nanoClock) {
        this(
                authenticator,
                routes,
                admitter,
                secrets,
                providers,
                usage,
                clock,
                nanoClock,
                HealthBoard.local(),
                CacheStores.NONE,
                null);
    }

    /** {@code POST /v1/chat/completions}. */
    public void chatCompletions(GatewayRequest in, ResponseChannel out) {
        chat(OpenAiInbound.INSTANCE, in, out);
    }

    /** {@code POST /v1/messages}, Anthropic's Messages API, served by whichever provider the route names. */
    public void messages(GatewayRequest in, ResponseChannel out) {
        chat(AnthropicInbound.INSTANCE, in, out);
    }

    private void chat(InboundDialect api, GatewayRequest in, ResponseChannel client) {
        try {
            AnswerCache.checkHeaders(in.cache(), in.cacheTtl());
        } catch (GatewayException badHeader) {
            ErrorResponder.reject(client, badHeader, in.requestId(), api.errors());
            return;
        }
        Admitted<ChatRequest> admitted = front(
                in,
                client,
                api.errors(),
                api::parse,
                ChatRequest::model,
                (request, caller) -> traits(in, request, caller),
                (request, first) -> demand(in, request, first));
        if (admitted == null) {
            return;
        }
        ChatRequest request = admitted.request();
        Grant grant = admitted.grant();
        grant.outputLimit().ifPresent(limit -> ChatParameters.limitMaxTokens(request, limit));
        AnswerCache.Lookup cached = Tracing.inSpan(
                "cache",
                () -> answers.lookup(
                        request, admitted.route(), admitted.caller(), in.cache(), in.cacheTtl(), in.requestId()));
        Span.current().setAttribute("sluice.cache", cached.status());
        admitted.attempts().cache(cached.status());
        ResponseChannel out = HeaderChannel.adding(client, grant.headers(), admitted.attempts()::headers);
        ResponseRelay relay =
                api.relay(out, in.requestId(), request, clock.instant().getEpochSecond());
        UsageMeter meter = new UsageMeter(nanoClock, admitted.startNanos());
        if (cached instanceof AnswerCache.Lookup.Hit hit) {
            replay(hit.answer(), admitted, meter, relay);
            return;
        }
        if (cached instanceof AnswerCache.Lookup.SemanticHit hit) {
            admitted.attempts().cacheSimilarity(hit.similarity());
            replay(hit.answer(), admitted, meter, relay);
            return;
        }
        ChatStreamListener listener = cached instanceof AnswerCache.Lookup.Miss miss
                ? ChatStreamListener.tee(meter, ChatStreamListener.tee(relay, miss.recorder()))
                : ChatStreamListener.tee(meter, relay);
        Failover.Progress progress =
                new Failover.Progress(meter::hasOutput, relay::hasStarted, meter::firstOutputAtNanos);
        Failover.Attempt attempt = deployment -> {
            coverFailover(admitted, deployment);
            var provider = providers.chat(deployment.provider());
            return credential ->
                    provider.streamChat(new ProviderCall(in.requestId(), request, deployment, credential), listener);
        };
        Outcome outcome = callWithFailover.call(
                in.requestId(), admitted.route(), admitted.plan().order(), progress, admitted.attempts(), attempt);
        Route larger = contextFallback(outcome, admitted);
        if (larger != null) {
            DeploymentPlanner.Plan fallbackPlan =
                    plan.plan(larger, admitted.traits(), ChatParameters.maxTokens(request));
            admitted.attempts().note("context fallback to " + larger.alias() + "; " + fallbackPlan.reason());
            if (!fallbackPlan.order().isEmpty()) { // else the client hears of its long prompt, not of breakers
                outcome = callWithFailover.call(
                        in.requestId(), larger, fallbackPlan.order(), progress, admitted.attempts(), attempt);
            }
        }
        finish.chat(outcome, admitted, meter, relay, null);
        if (outcome instanceof Outcome.Completed completed && cached instanceof AnswerCache.Lookup.Miss miss) {
            answers.store(miss, completed.served()); // after the answer reached the client: it never waits for this
        }
    }

    /**
     * The semantic cache's embeddings call: the policy's alias, planned and failed over like any call, billed to the
     * caller's tenant with its own usage event ({@code <requestId>:semantic-cache}); null when it did not answer.
     */
    private float[] embedForCache(Caller caller, String alias, String text, String requestId) {
        Route route = resolveRoute.forGateway(alias).orElse(null);
        if (route == null) {
            LOG.warn("request {}: the semantic cache's embeddings alias '{}' does not exist", requestId, alias);
            return null;
        }
        EmbeddingRequest request = EmbeddingRequest.parse(Json.write(Map.of("model", alias, "input", text)));
        DeploymentPlanner.Plan planned = plan.plan(route, RequestTraits.ofPrompt(text.length(), caller.tenantId()), -1);
        if (planned.order().isEmpty()) {
            return null;
        }
        String id = requestId + ":semantic-cache";
        AtomicReference<EmbeddingResult> result = new AtomicReference<>();
        Outcome outcome = callWithFailover.call(
                id, route, planned.order(), Failover.Progress.NONE, new Attempts(), deployment -> {
                    var provider = providers.embeddings(deployment.provider(), alias);
                    return credential ->
                            result.set(provider.embed(new EmbeddingCall(id, request, deployment, credential)));
                });
        if (!(outcome instanceof Outcome.Completed completed) || result.get() == null) {
            return null;
        }
        finish.cacheEmbedding(id, caller, alias, completed.served(), request, result.get());
        return result.get().vectors().getFirst();
    }

    /** A cache hit: the stored answer through the relay, billed as nothing and recorded as what it saved. */
    private void replay(CachedAnswer answer, Admitted<ChatRequest> admitted, UsageMeter meter, ResponseRelay relay) {
        admitted.attempts().answeredFromCache(answer.provider() + "/" + answer.model());
        Deployment routeFirst = admitted.plan().order().getFirst();
        Outcome outcome;
        try {
            AnswerCache.replay(answer, ChatStreamListener.tee(meter, relay));
            outcome = new Outcome.Completed(routeFirst);
        } catch (ClientDisconnectedException gone) {
            outcome = new Outcome.ClientGone(routeFirst);
        }
        finish.chat(outcome, admitted, meter, relay, answer);
    }

    /**
     * The route's {@code contextFallback} when a deployment answered {@code context_length_exceeded} before anything
     * reached the client and the caller may use it; null otherwise. Taken once: the fallback's own is not followed.
     */
    private Route contextFallback(Outcome outcome, Admitted<?> admitted) {
        String alias = admitted.route().contextFallback();
        if (alias == null
                || !(outcome instanceof Outcome.Failed failed)
                || failed.started()
                || failed.error() == null
                || !"context_length_exceeded".equals(failed.error().code())) {
            return null;
        }
        try {
            return resolveRoute.resolve(alias, admitted.caller());
        } catch (GatewayException unusable) {
            LOG.warn(
                    "request {}: contextFallback '{}' of '{}' is not usable: {}",
                    admitted.requestId(),
                    alias,
                    admitted.alias(),
                    unusable.getMessage());
            return null;
        }
    }

    /** {@code POST /v1/embeddings}: vectors in OpenAI's list format, float arrays or base64 as the caller asked. */
    public void embeddings(GatewayRequest in, ResponseChannel client) {
        Admitted<EmbeddingRequest> admitted = front(
                in,
                client,
                OpenAiErrorFormat.INSTANCE,
                EmbeddingRequest::parse,
                EmbeddingRequest::model,
                (request, caller) ->
                        RequestTraits.ofPrompt(PromptBound.ofEmbeddings(in.body().length), caller.tenantId()),
                (request, first) -> Demand.promptOnly(PromptBound.ofEmbeddings(in.body().length), first.pricing()));
        if (admitted == null) {
            return;
        }
        EmbeddingRequest request = admitted.request();
        AtomicReference<EmbeddingResult> result = new AtomicReference<>();
        Outcome outcome = callWithFailover.call(
                in.requestId(),
                admitted.route(),
                admitted.plan().order(),
                Failover.Progress.NONE,
                admitted.attempts(),
                deployment -> {
                    coverFailover(admitted, deployment);
                    var provider = providers.embeddings(deployment.provider(), request.model());
                    return credential -> result.set(
                            provider.embed(new EmbeddingCall(in.requestId(), request, deployment, credential)));
                });
        finish.embeddings(
                outcome,
                admitted,
                result.get(),
                HeaderChannel.adding(client, admitted.grant().headers()));
    }

    /** {@code POST /v1/messages/count_tokens}, {@code GET /v1/models} and {@code GET /v1/models/{id}}. */
    public ModelEndpoints models() {
        return models;
    }

    /** The management API under {@code /sluice/v1/}: keys, session tokens, usage; null when not served. */
    public AdminApi admin() {
        return admin;
    }

    /**
     * Authenticate → parse → resolve the route (and its rules) → guard the prompt (or embeddings input) → plan the
     * deployments → admit; null once a rejection has been sent. Admission prices the request at the deployment planned
     * first; failover to a pricier one covers the difference.
     */
    private <R> Admitted<R> front(
            GatewayRequest in,
            ResponseChannel out,
            ErrorFormat errors,
            Function<byte[], R> parse,
            Function<R, String> model,
            BiFunction<R, Caller, RequestTraits> traitsOf,
            BiFunction<R, Deployment, Demand> demand) {
        long startNanos = nanoClock.getAsLong();
        try {
            Caller caller = Tracing.inSpan(
                    "auth", () -> authenticate.authenticate(in.authorization(), in.apiKeyHeader(), in.clientAddress()));
            R parsed = parse.apply(in.body());
            Span routing = Tracing.start("route");
            Route route;
            RequestTraits traits;
            Attempts attempts = new Attempts();
            Guard.Guarded<R> guarded;
            DeploymentPlanner.Plan planned;
            try (Scope ignored = routing.makeCurrent()) {
                Route asked = resolveRoute.resolve(model.apply(parsed), caller);
                traits = traitsOf.apply(parsed, caller);
                route = applyRules(asked, traits, caller, attempts, in.requestId());
                guarded = guard(parsed, caller, route);
                long maxTokens = guarded.request() instanceof ChatRequest chat ? ChatParameters.maxTokens(chat) : -1;
                planned = plan.plan(route, traits, maxTokens);
                routing.setAttribute("sluice.alias", route.alias());
                routing.setAttribute("sluice.route_reason", planned.reason());
            } catch (RuntimeException e) {
                Tracing.failed(routing, e);
                throw e;
            } finally {
                routing.end();
            }
            attempts.note(planned.reason());
            if (planned.order().isEmpty()) {
                throw callWithFailover.everyBreakerOpen(route, planned.skippedOpen());
            }
            R request = guarded.request();
            Grant grant = Tracing.inSpan(
                    "admit",
                    () -> admit.admit(
                            caller.scopes(),
                            demand.apply(request, planned.order().getFirst())));
            return new Admitted<>(
                    in, caller, request, route, traits, planned, grant, attempts, startNanos, guarded.redactions());
        } catch (RuntimeException e) {
            ErrorResponder.reject(out, e, in.requestId(), errors);
            Finish.refused(in.requestId(), ErrorResponses.classify(e), nanoClock.getAsLong() - startNanos);
            return null;
        }
    }

    /**
     * The guard stage: the stricter of the tenant's and the route's policy applied to a chat prompt or embeddings
     * input. Traced on its own only when it inspects, since a Bedrock guardrail makes it a network call.
     */
    @SuppressWarnings("unchecked")
    private <R> Guard.Guarded<R> guard(R request, Caller caller, Route route) {
        GuardPolicy policy = GuardPolicy.strictest(caller.tenant().guard(), route.guard());
        if (!policy.inspects()) {
            return new Guard.Guarded<>(request, 0);
        }
        return Tracing.inSpan("guard", () -> (Guard.Guarded<R>)
                switch (request) {
                    case ChatRequest chat -> guard.apply(chat, policy);
                    case EmbeddingRequest embeddings -> guard.apply(embeddings, policy);
                    default -> new Guard.Guarded<>(request, 0);
                });
    }

    /**
     * The route the first matching rule names, when the caller may use it; otherwise the route asked for. One hop:
     * the target's own rules are not followed, so rules can never loop.
     */
    private Route applyRules(Route asked, RequestTraits traits, Caller caller, Attempts attempts, String requestId) {
        if (asked.rules().isEmpty()) {
            return asked;
        }
        RouteRule rule = asked.ruleFor(traits);
        if (rule == null) {
            return asked;
        }
        try {
            Route target = resolveRoute.resolve(rule.target(), caller);
            attempts.note("rule " + rule.describe() + " -> " + target.alias());
            return target;
        } catch (GatewayException unusable) {
            LOG.warn(
                    "request {}: rule of '{}' names '{}', which the caller cannot use; serving '{}'",
                    requestId,
                    asked.alias(),
                    rule.target(),
                    asked.alias());
            return asked;
        }
    }

    /** What rules and strategies may look at in a chat request; the token estimate only when one asks. */
    private static RequestTraits traits(GatewayRequest in, ChatRequest request, Caller caller) {
        return new RequestTraits(
                () -> TokenEstimator.ofChatRequest(request),
                ChatParameters.hasImages(request),
                ChatParameters.hasTools(request),
                ChatParameters.wantsJson(request),
                in.tagSet(),
                caller.tenantId());
    }

    /**
     * The most a chat request can cost at the planned deployment's prices: its prompt's upper bound and the output
     * it asked for (or the deployment's {@code maxOutputTokens} option, default {@value #DEFAULT_MAX_OUTPUT}, when it
     * asked for none and a limit needs a bound).
     */
    private static Demand demand(GatewayRequest in, ChatRequest request, Deployment first) {
        return new Demand(
                PromptBound.ofChat(in.body().length, request),
                ChatParameters.maxTokens(request),
                Long.parseLong(first.option("maxOutputTokens", Long.toString(DEFAULT_MAX_OUTPUT))),
                first.pricing());
    }

    /** A failover to a deployment priced higher than the reservation first reserves the difference. */
    private static void coverFailover(Admitted<?> admitted, Deployment deployment) {
        if (!deployment.pricing().equals(admitted.plan().order().getFirst().pricing())) {
            admitted.grant().cover(deployment.pricing());
        }
    }
}
