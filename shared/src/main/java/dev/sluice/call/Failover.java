package dev.sluice.call;

import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.error.UpstreamException;
import dev.sluice.health.DeploymentHealth;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.stream.ClientDisconnectedException;
import dev.sluice.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a route's deployments in order of preference, for chat and embeddings alike. A retriable upstream failure
 * ({@link UpstreamException#retriable()}: 429, 5xx, connect failures, timeouts, a stream broken or stalled before
 * output) is tried again on the same deployment as the route's {@link RetryPolicy} allows, then on the next one, but
 * only while nothing has reached the client and within the policy's deadline; after that, or on any other failure,
 * the call ends as {@link Outcome.Failed}.
 *
 * <p>Cost per request: one credential look-up per attempt (cached by the secret store), two breaker calls per attempt
 * (a map look-up each), no allocation beyond the outcome on the first attempt.
 */
public final class Failover {
    private static final Logger LOG = LoggerFactory.getLogger(Failover.class);

    /** One attempt on one deployment: prepared (provider looked up) before the credential is fetched. */
    @FunctionalInterface
    public interface Attempt {
        Call prepare(Deployment deployment);
    }

    /** The prepared call, run with the deployment's credential (null when it needs none). */
    @FunctionalInterface
    public interface Call {
        void run(String credential);
    }

    /**
     * What failover must know of the response.
     *
     * @param outputSent      true once output reached the client: from then on, no other deployment may answer
     * @param responseStarted true once the response status went out: a failure can then only end the stream
     */
    public record Progress(BooleanSupplier outputSent, BooleanSupplier responseStarted, LongSupplier firstOutputAt) {
        /** A response that is sent whole at the end (embeddings). */
        public static final Progress NONE = new Progress(() -> false, () -> false);

        /** Progress whose first output time is unknown: latency is then measured to the end of the answer. */
        public Progress(BooleanSupplier outputSent, BooleanSupplier responseStarted) {
            this(outputSent, responseStarted, () -> -1);
        }
    }

    /** Waits between retries; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final DeploymentCredentials credentials;
    private final DeploymentHealth health;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;

    /** @param nanoClock the clock {@link Progress#firstOutputAt()} reads, for time to first byte */
    public Failover(DeploymentCredentials credentials, DeploymentHealth health, LongSupplier nanoClock) {
        this(credentials, health, nanoClock, Thread::sleep);
    }

    Failover(DeploymentCredentials credentials, DeploymentHealth health, LongSupplier nanoClock, Sleeper sleeper) {
        this.credentials = credentials;
        this.health = health;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    /**
     * Tries the route's deployments in the listed order (no breakers consulted): the behaviour for callers that plan
     * nothing, such as tests of retries alone.
     */
    public Outcome call(String requestId, Route route, Progress progress, Attempts attempts, Attempt attempt) {
        return call(requestId, route, route.deployments(), progress, attempts, attempt);
    }

    /**
     * Tries {@code order} (a {@link DeploymentPlanner.Plan}'s), each deployment up to the route's policy's attempts,
     * within the policy's deadline: every attempt's time to first byte is what is left of it. Each attempt first asks
     * the deployment's breaker ({@link DeploymentHealth#tryAcquire}) and reports how it ended, so breakers and the
     * latency averages learn from every request.
     */
    public Outcome call(
            String requestId,
            Route route,
            List<Deployment> order,
            Progress progress,
            Attempts attempts,
            Attempt attempt) {
        RetryPolicy policy = route.retries();
        long deadline = nanoClock.getAsLong() + policy.deadline().toNanos();
        Deployment served = null;
        GatewayException last = null;
        for (Deployment deployment : order) {
            for (int tries = 1; tries <= policy.attemptsPerDeployment(); tries++) {
                long remaining = deadline - nanoClock.getAsLong();
                if (remaining <= 0) {
                    return new Outcome.Failed(
                            last == null ? UpstreamErrors.timeout(route.alias()) : last,
                            served,
                            progress.responseStarted().getAsBoolean());
                }
                if (!health.tryAcquire(deployment)) {
                    break; // its breaker opened (or its probes are taken): the next deployment
                }
                attempts.begin(deployment);
                long attemptStart = nanoClock.getAsLong();
                boolean called = false;
                Span span = attemptSpan(deployment, tries);
                try (Scope ignored = span.makeCurrent()) {
                    Call call = attempt.prepare(withinDeadline(deployment, remaining));
                    String credential = credentials.forDeployment(deployment);
                    served = deployment;
                    called = true;
                    call.run(credential);
                    health.onSuccess(deployment, timeToFirstByte(progress, attemptStart));
                    return new Outcome.Completed(served);
                } catch (ClientDisconnectedException e) {
                    health.onNoVerdict(deployment);
                    span.setAttribute("sluice.client_gone", true);
                    return new Outcome.ClientGone(served);
                } catch (RuntimeException e) {
                    GatewayException error = ErrorResponses.classify(e);
                    span.setStatus(StatusCode.ERROR, error.code());
                    report(deployment, error, called);
                    if (!mayTryAgain(error, progress)) {
                        log(requestId, deployment, error, "giving up");
                        return new Outcome.Failed(
                                error, served, progress.responseStarted().getAsBoolean());
                    }
                    last = error;
                    Duration wait =
                            tries < policy.attemptsPerDeployment() ? waitBeforeRetry(policy, tries, error) : null;
                    if (wait == null || nanoClock.getAsLong() + wait.toNanos() >= deadline) {
                        log(requestId, deployment, error, "moving on");
                        break;
                    }
                    log(requestId, deployment, error, "retrying in " + wait.toMillis() + " ms");
                    span.end(); // before the wait: the span is the attempt
                    if (!sleep(wait)) {
                        return new Outcome.Failed(
                                error, served, progress.responseStarted().getAsBoolean());
                    }
                } finally {
                    markFirstOutput(span, progress, attemptStart);
                    span.end(); // a second end is ignored
                }
            }
        }
        if (last == null) {
            return new Outcome.Failed(everyBreakerOpen(route, order), null, false);
        }
        log(requestId, served == null ? order.getLast() : served, last, "giving up");
        return new Outcome.Failed(last, served, progress.responseStarted().getAsBoolean());
    }

    /**
     * A failure counts against the deployment when it speaks of its health: a retriable upstream failure (429, 5xx,
     * timeouts, broken or stalled streams) or any 5xx. A request the deployment rejected as invalid, or one refused
     * before the call (a budget that cannot cover a pricier deployment), says nothing about it.
     */
    private void report(Deployment deployment, GatewayException error, boolean called) {
        boolean healthFailure = called
                && (error instanceof UpstreamException upstream && upstream.retriable() || error.status() >= 500);
        if (healthFailure) {
            health.onFailure(deployment, error.code());
        } else {
            health.onNoVerdict(deployment);
        }
    }

    /**
     * One upstream attempt's span, with the GenAI semantic-convention attributes known before the call; outside a
     * recorded trace (tracing off) nothing at all, so the name and attributes cost no allocation per attempt.
     */
    private static Span attemptSpan(Deployment deployment, int tries) {
        if (!Span.current().isRecording()) {
            return Span.getInvalid();
        }
        return Tracing.start("upstream " + deployment.provider())
                .setAttribute(Tracing.GEN_AI_SYSTEM, deployment.provider())
                .setAttribute(Tracing.GEN_AI_REQUEST_MODEL, deployment.upstreamModel())
                .setAttribute("sluice.deployment", deployment.label())
                .setAttribute("sluice.attempt", tries);
    }

    /** A {@code first_token} event at the time the attempt's first output reached the gateway, if it did. */
    private void markFirstOutput(Span span, Progress progress, long attemptStart) {
        long first = progress.firstOutputAt().getAsLong();
        if (first >= attemptStart && span.isRecording()) {
            span.addEvent("first_token", Instant.now().minusNanos(Math.max(0, nanoClock.getAsLong() - first)));
        }
    }

    /** From the attempt's start to the first output; to the whole answer when it sent none before returning. */
    private long timeToFirstByte(Progress progress, long attemptStart) {
        long first = progress.firstOutputAt().getAsLong();
        return first >= attemptStart ? first - attemptStart : nanoClock.getAsLong() - attemptStart;
    }

    /** Nothing was tried: every deployment's breaker is open. Retry-After is the earliest end of a cool-down. */
    public GatewayException everyBreakerOpen(Route route, List<Deployment> order) {
        long soonest = Long.MAX_VALUE;
        List<Deployment> all = order.isEmpty() ? route.deployments() : order;
        for (Deployment deployment : all) {
            long retryAt = health.snapshot(deployment).retryAtMillis();
            if (retryAt > 0) {
                soonest = Math.min(soonest, retryAt);
            }
        }
        long seconds = soonest == Long.MAX_VALUE ? 1 : Math.max(1, (soonest - System.currentTimeMillis() + 999) / 1000);
        return UpstreamErrors.everyDeploymentUnavailable(route.alias(), seconds);
    }

    /** Retriable, nothing reached the client, and the server is not stopping (an interrupted thread). */
    private static boolean mayTryAgain(GatewayException error, Progress progress) {
        return error instanceof UpstreamException upstream
                && upstream.retriable()
                && !progress.outputSent().getAsBoolean()
                && !Thread.currentThread().isInterrupted();
    }

    /**
     * Full jitter below the exponential ceiling, or the upstream's {@code Retry-After} when longer; null when the
     * upstream asks for more than the policy's cap (the next deployment is better than waiting).
     */
    static Duration waitBeforeRetry(RetryPolicy policy, int retry, GatewayException error) {
        long ceiling = policy.backoffCeiling(retry).toMillis();
        long jitter = ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
        OptionalLong retryAfter = error.retryAfterSeconds();
        if (retryAfter.isEmpty()) {
            return Duration.ofMillis(jitter);
        }
        Duration asked = Duration.ofSeconds(retryAfter.getAsLong());
        if (asked.compareTo(policy.retryAfterCap()) > 0) {
            return null;
        }
        return asked.toMillis() > jitter ? asked : Duration.ofMillis(jitter);
    }

    private static Deployment withinDeadline(Deployment deployment, long remainingNanos) {
        return remainingNanos < deployment.timeout().toNanos()
                ? deployment.withTimeout(Duration.ofNanos(remainingNanos))
                : deployment;
    }

    private boolean sleep(Duration wait) {
        try {
            sleeper.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is stopping: no further attempt
            return false;
        }
    }

    /** The provider's own words ({@link UpstreamException#detail()}) go to the log, never to the client. */
    private static void log(String requestId, Deployment deployment, GatewayException error, String action) {
        if (error == null) {
            return;
        }
        String detail =
                error instanceof UpstreamException upstream && upstream.detail() != null ? " " + upstream.detail() : "";
        if (error instanceof UpstreamException) {
            // An expected condition (a provider down, slow or refusing): one line, the cause named, no stack trace.
            Throwable cause = error.getCause();
            LOG.warn(
                    "request {}: {} {} failed with {} {}{}{}, {}",
                    requestId,
                    deployment.provider(),
                    deployment.upstreamModel(),
                    error.status(),
                    error.code(),
                    detail,
                    cause == null ? "" : " (" + cause.getClass().getSimpleName() + ")",
                    action);
        } else if (error.status() >= 500) {
            LOG.warn(
                    "request {}: {} {} failed with {} {}, {}",
                    requestId,
                    deployment.provider(),
                    deployment.upstreamModel(),
                    error.status(),
                    error.code(),
                    action,
                    error.getCause());
        } else {
            LOG.info(
                    "request {}: {} {} answered {} {}",
                    requestId,
                    deployment.provider(),
                    deployment.upstreamModel(),
                    error.status(),
                    error.code());
        }
    }
}
