package dev.sluice.pipeline;

import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.auth.Caller;
import dev.sluice.call.Outcome;
import dev.sluice.error.GatewayException;
import dev.sluice.inbound.openai.EmbeddingBodies;
import dev.sluice.inbound.openai.OpenAiErrorFormat;
import dev.sluice.json.Json;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.responsecache.CachedAnswer;
import dev.sluice.route.Deployment;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import dev.sluice.trace.Tracing;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import dev.sluice.usage.UsageMeter;
import dev.sluice.usage.UsagePublisher;
import dev.sluice.usage.event.UsageEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The last stage: ends the response as the {@link Outcome} says, and publishes the request's one usage event. The
 * only code that publishes usage, and so the one place that keeps the rule "publish before the response closes":
 * Lambda may freeze the instance once the response ends. A fixed-length reply is complete once written, so the
 * event goes first; a stream closes only after the pipeline returns, so its ending is written first and the event
 * then records how it really ended.
 *
 * <p>Cost per request: one usage event built and handed to the publisher (one Kinesis PutRecords in Lambda), once; the
 * estimate's tokenizer runs only when the provider reported no usage; the quota settlement (one conditional write per
 * limited scope, in parallel, none when nothing is limited).
 */
final class Finish {
    private static final Logger LOG = LoggerFactory.getLogger(Finish.class);
    /** The per-request summary lines: a logger of their own, so they can be turned off or routed apart. */
    private static final Logger REQUESTS = LoggerFactory.getLogger("dev.sluice.request");

    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final UsagePublisher usage;
    private final Clock clock;
    private final LongSupplier nanoClock;

    Finish(UsagePublisher usage, Clock clock, LongSupplier nanoClock) {
        this.usage = usage;
        this.clock = clock;
        this.nanoClock = nanoClock;
    }

    /** @param cacheHit the stored answer the response replayed, or null for a live one */
    void chat(
            Outcome outcome,
            Admitted<ChatRequest> admitted,
            UsageMeter meter,
            ResponseRelay relay,
            CachedAnswer cacheHit) {
        boolean endsAsStream =
                relay.hasStarted() || (outcome instanceof Outcome.Completed && admitted.request().stream());
        if (!endsAsStream) {
            close(
                    admitted,
                    cacheHit != null
                            ? cacheHitEvent(outcome, admitted, meter, cacheHit)
                            : chatEvent(outcome, admitted, meter));
        }
        try {
            switch (outcome) {
                case Outcome.Completed completed -> relay.complete(settle(admitted.request(), meter));
                case Outcome.Failed failed -> relay.fail(failed.error(), admitted.requestId());
                case Outcome.ClientGone gone ->
                    LOG.info(
                            "request {}: client disconnected after {} output chars",
                            admitted.requestId(),
                            meter.outputChars());
            }
        } catch (ClientDisconnectedException e) {
            LOG.info("request {}: client disconnected before the response ended", admitted.requestId());
            outcome = outcome instanceof Outcome.Failed ? outcome : new Outcome.ClientGone(outcome.served());
        }
        if (endsAsStream) {
            close(
                    admitted,
                    cacheHit != null
                            ? cacheHitEvent(outcome, admitted, meter, cacheHit)
                            : chatEvent(outcome, admitted, meter));
        }
    }

    /**
     * A cache hit bills no provider tokens and costs nothing (the grant settles to zero); the event records the
     * tokens the stored answer took when it was made, and what they would cost now at the route's prices.
     */
    private UsageEvent cacheHitEvent(
            Outcome outcome, Admitted<ChatRequest> admitted, UsageMeter meter, CachedAnswer answer) {
        TokenUsage saved = answer.usage();
        long savedMicros = outcome.served()
                .pricing()
                .costMicros(saved.promptTokens(), saved.cachedPromptTokens(), saved.completionTokens());
        return event(
                admitted,
                answer.provider(),
                answer.model(),
                TokenUsage.ZERO,
                0,
                false,
                outcome,
                meter.timeToFirstTokenNanos(),
                admitted.request().stream(),
                new CacheSaving(saved.totalTokens(), savedMicros),
                0);
    }

    /** Embeddings end with one fixed-length reply: the event is always published before it is sent. */
    void embeddings(Outcome outcome, Admitted<EmbeddingRequest> admitted, EmbeddingResult result, ResponseChannel out) {
        EmbeddingRequest request = admitted.request();
        UsageEvent event = null;
        if (outcome.served() != null) {
            boolean ok = outcome instanceof Outcome.Completed && result != null;
            TokenUsage tokens = ok ? EmbeddingBodies.usage(request, result) : TokenUsage.ZERO;
            event = event(admitted, outcome.served(), tokens, ok && result.usage() == null, outcome, -1, false);
        }
        close(admitted, event);
        if (outcome instanceof Outcome.Failed failed) {
            ErrorResponder.reject(out, failed.error(), admitted.requestId(), OpenAiErrorFormat.INSTANCE);
            return;
        }
        try {
            out.sendJson(200, JSON, Json.write(EmbeddingBodies.list(request, result)));
        } catch (ClientDisconnectedException e) {
            LOG.info("request {}: client disconnected before the reply was sent", admitted.requestId());
        }
    }

    /**
     * The semantic cache's embeddings call, billed to the tenant like any embeddings call: one usage event of its own
     * (no response goes out for it, and the chat request's grant does not cover it).
     */
    void cacheEmbedding(
            String requestId,
            Caller caller,
            String alias,
            Deployment deployment,
            EmbeddingRequest request,
            EmbeddingResult result) {
        TokenUsage tokens = EmbeddingBodies.usage(request, result);
        publish(new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                requestId,
                clock.millis(),
                caller.tenantId(),
                caller.keyId(),
                alias,
                deployment.provider(),
                deployment.upstreamModel(),
                tokens.promptTokens(),
                0,
                0,
                0,
                deployment.pricing().costMicros(tokens.promptTokens(), 0, 0),
                0,
                -1,
                UsageEvent.OK,
                200,
                false,
                result.usage() == null,
                false,
                caller.level(),
                caller.sessionId(),
                1));
    }

    /** The provider's own count when it gave one; otherwise an estimate (the event is then marked estimated). */
    static TokenUsage settle(ChatRequest request, UsageMeter meter) {
        if (meter.reportedUsage() != null) {
            return meter.reportedUsage();
        }
        return TokenUsage.of(TokenEstimator.ofChatRequest(request), meter.estimatedOutputTokens());
    }

    /**
     * A failed call that produced no output and reported no usage bills nothing (providers do not charge for
     * rejected requests); everything else bills the provider's count, or the estimate.
     */
    private UsageEvent chatEvent(Outcome outcome, Admitted<ChatRequest> admitted, UsageMeter meter) {
        if (outcome.served() == null) {
            return null;
        }
        boolean nothingServed =
                outcome instanceof Outcome.Failed && !meter.hasOutput() && meter.reportedUsage() == null;
        TokenUsage tokens = nothingServed ? TokenUsage.ZERO : settle(admitted.request(), meter);
        boolean estimated = !nothingServed && meter.reportedUsage() == null;
        return event(
                admitted,
                outcome.served(),
                tokens,
                estimated,
                outcome,
                meter.timeToFirstTokenNanos(),
                admitted.request().stream());
    }

    private UsageEvent event(
            Admitted<?> admitted,
            Deployment deployment,
            TokenUsage tokens,
            boolean estimated,
            Outcome outcome,
            long ttftNanos,
            boolean streamed) {
        long cost = deployment
                .pricing()
                .costMicros(tokens.promptTokens(), tokens.cachedPromptTokens(), tokens.completionTokens());
        return event(
                admitted,
                deployment.provider(),
                deployment.upstreamModel(),
                tokens,
                cost,
                estimated,
                outcome,
                ttftNanos,
                streamed,
                null,
                admitted.attempts().count());
    }

    /** What a cache hit saved: the stored answer's tokens and their cost at the route's prices now. */
    private record CacheSaving(long tokens, long micros) {}

    /** @param saving null for an answer a provider made; then the event is no cache hit */
    private UsageEvent event(
            Admitted<?> admitted,
            String provider,
            String model,
            TokenUsage tokens,
            long costMicros,
            boolean estimated,
            Outcome outcome,
            long ttftNanos,
            boolean streamed,
            CacheSaving saving,
            int attempts) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                admitted.requestId(),
                clock.millis(),
                admitted.caller().tenantId(),
                admitted.caller().keyId(),
                admitted.alias(),
                provider,
                model,
                tokens.promptTokens(),
                tokens.completionTokens(),
                tokens.cachedPromptTokens(),
                tokens.reasoningTokens(),
                costMicros,
                TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - admitted.startNanos()),
                ttftNanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(ttftNanos),
                status(outcome),
                httpStatus(outcome),
                streamed,
                estimated,
                saving != null,
                admitted.caller().level(),
                admitted.caller().sessionId(),
                attempts,
                saving == null ? 0 : saving.tokens(),
                saving == null ? 0 : saving.micros(),
                admitted.redactions(),
                admitted.attempts().cacheStatus());
    }

    private static String status(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Completed completed -> UsageEvent.OK;
            case Outcome.Failed failed -> UsageEvent.UPSTREAM_ERROR;
            case Outcome.ClientGone gone -> UsageEvent.CLIENT_DISCONNECTED;
        };
    }

    /** The status the client got: 499 (nginx's "client closed request") when it went away. */
    private static int httpStatus(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Completed completed -> 200;
            case Outcome.Failed failed -> failed.error().status();
            case Outcome.ClientGone gone -> 499;
        };
    }

    /**
     * Publishes the request's event and settles its quota reservation to the same tokens and cost, so the counters
     * and the usage rows agree; a request that reached no deployment settles to nothing but the request itself.
     */
    private void close(Admitted<?> admitted, UsageEvent event) {
        if (event != null) {
            describeInTrace(event);
            Tracing.inSpan("publish", () -> publish(event));
            summarize(event, admitted.attempts().cacheStatus());
        }
        Tracing.inSpan(
                "settle",
                () -> admitted.grant()
                        .settle(
                                event == null ? 0 : event.promptTokens() + event.completionTokens(),
                                event == null ? 0 : event.costMicros()));
    }

    /** The GenAI semantic-convention attributes of the answer, on the request's server span. */
    private static void describeInTrace(UsageEvent event) {
        Span request = Span.current();
        if (!request.isRecording()) {
            return;
        }
        request.setAttribute(Tracing.GEN_AI_SYSTEM, String.valueOf(event.provider()));
        request.setAttribute(Tracing.GEN_AI_REQUEST_MODEL, String.valueOf(event.alias()));
        request.setAttribute(Tracing.GEN_AI_RESPONSE_MODEL, String.valueOf(event.upstreamModel()));
        request.setAttribute(Tracing.GEN_AI_INPUT_TOKENS, event.promptTokens());
        request.setAttribute(Tracing.GEN_AI_OUTPUT_TOKENS, event.completionTokens());
        request.setAttribute("sluice.request_id", event.requestId());
        request.setAttribute("sluice.tenant", event.tenantId());
        request.setAttribute("sluice.status", event.status());
        request.setAttribute("http.response.status_code", event.httpStatus());
        if (event.isError()) {
            request.setStatus(StatusCode.ERROR, event.status());
        }
    }

    /**
     * The request's one summary log line: who, which route and deployment, how it ended, how long it took, what it
     * cost, as fields of the JSON line (the MDC, which the log layout writes when set), never the prompt or a key.
     * Off with {@code SLUICE_LOG_LEVEL=WARN}; costs a few microseconds otherwise.
     */
    private static void summarize(UsageEvent event, String cacheStatus) {
        if (!REQUESTS.isInfoEnabled()) {
            return;
        }
        try {
            MDC.put("requestId", event.requestId());
            String traceId = Tracing.currentTraceId();
            if (traceId != null) {
                MDC.put("traceId", traceId);
            }
            MDC.put("tenant", event.tenantId());
            MDC.put("keyId", event.keyId());
            MDC.put("alias", event.alias());
            MDC.put("deployment", event.provider() + "/" + event.upstreamModel());
            MDC.put("status", event.status());
            MDC.put("httpStatus", Integer.toString(event.httpStatus()));
            MDC.put("latencyMs", Long.toString(event.latencyMs()));
            MDC.put("ttftMs", Long.toString(event.timeToFirstTokenMs()));
            MDC.put("attempts", Integer.toString(event.attempts()));
            MDC.put("promptTokens", Long.toString(event.promptTokens()));
            MDC.put("completionTokens", Long.toString(event.completionTokens()));
            MDC.put("costMicros", Long.toString(event.costMicros()));
            if (cacheStatus != null) {
                MDC.put("cache", cacheStatus);
            }
            REQUESTS.info("request served");
        } finally {
            MDC.clear();
        }
    }

    /**
     * The summary line of a request refused before it reached a provider (bad key, unknown model, a limit, a malformed
     * body): the request id, the status and the error code; no usage event is published for it.
     */
    static void refused(String requestId, GatewayException error, long elapsedNanos) {
        if (!REQUESTS.isInfoEnabled()) {
            return;
        }
        try {
            MDC.put("requestId", requestId);
            MDC.put("status", error.code() == null ? error.type() : error.code());
            MDC.put("httpStatus", Integer.toString(error.status()));
            MDC.put("latencyMs", Long.toString(TimeUnit.NANOSECONDS.toMillis(elapsedNanos)));
            REQUESTS.info("request refused");
        } finally {
            MDC.clear();
        }
    }

    /** Usage must not be lost: if the stream refuses it, the event goes to the log whole, to be replayed. */
    private void publish(UsageEvent event) {
        try {
            usage.publish(event);
        } catch (RuntimeException e) {
            LOG.error("usage event NOT published, replay it: {}", Json.writeString(event), e);
        }
    }
}
