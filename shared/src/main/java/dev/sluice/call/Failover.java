package dev.sluice.call;

import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.error.UpstreamException;
import dev.sluice.route.Deployment;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.stream.ClientDisconnectedException;
import java.time.Duration;
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
 * <p>Cost per request: one credential look-up per attempt (cached by the secret store), no allocation beyond the
 * outcome on the first attempt.
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
    public record Progress(BooleanSupplier outputSent, BooleanSupplier responseStarted) {
        /** A response that is sent whole at the end (embeddings). */
        public static final Progress NONE = new Progress(() -> false, () -> false);
    }

    /** Waits between retries; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final DeploymentCredentials credentials;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;

    public Failover(DeploymentCredentials credentials) {
        this(credentials, System::nanoTime, Thread::sleep);
    }

    Failover(DeploymentCredentials credentials, LongSupplier nanoClock, Sleeper sleeper) {
        this.credentials = credentials;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    /**
     * Tries the route's deployments in order, each up to its policy's attempts, within the policy's deadline: every
     * attempt's time to first byte is what is left of it.
     */
    public Outcome call(String requestId, Route route, Progress progress, Attempts attempts, Attempt attempt) {
        RetryPolicy policy = route.retries();
        long deadline = nanoClock.getAsLong() + policy.deadline().toNanos();
        Deployment served = null;
        GatewayException last = null;
        for (Deployment deployment : route.deployments()) {
            for (int tries = 1; tries <= policy.attemptsPerDeployment(); tries++) {
                long remaining = deadline - nanoClock.getAsLong();
                if (remaining <= 0) {
                    return new Outcome.Failed(
                            last, served, progress.responseStarted().getAsBoolean());
                }
                attempts.begin(deployment);
                try {
                    Call call = attempt.prepare(withinDeadline(deployment, remaining));
                    String credential = credentials.forDeployment(deployment);
                    served = deployment;
                    call.run(credential);
                    return new Outcome.Completed(served);
                } catch (ClientDisconnectedException e) {
                    return new Outcome.ClientGone(served);
                } catch (RuntimeException e) {
                    GatewayException error = ErrorResponses.classify(e);
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
                    if (!sleep(wait)) {
                        return new Outcome.Failed(
                                error, served, progress.responseStarted().getAsBoolean());
                    }
                }
            }
        }
        log(requestId, route.deployments().getLast(), last, "giving up");
        return new Outcome.Failed(last, served, progress.responseStarted().getAsBoolean());
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
                error instanceof UpstreamException upstream && upstream.detail() != null ? upstream.detail() : "";
        if (error.status() >= 500 || error instanceof UpstreamException) {
            LOG.warn(
                    "request {}: {} {} failed with {} {} {}, {}",
                    requestId,
                    deployment.provider(),
                    deployment.upstreamModel(),
                    error.status(),
                    error.code(),
                    detail,
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
