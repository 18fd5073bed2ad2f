package dev.sluice.call;

import dev.sluice.error.ErrorResponses;
import dev.sluice.error.GatewayException;
import dev.sluice.error.UpstreamException;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.stream.ClientDisconnectedException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a route's deployments in order of preference, for chat and embeddings alike. A retriable upstream failure
 * ({@link UpstreamException#retriable()}) hands the request to the next deployment, but only while nothing has
 * reached the client; after that, or on any other failure, the call ends as {@link Outcome.Failed}.
 *
 * <p>Cost per request: one credential look-up per attempt (cached by the secret store), no allocation beyond the
 * outcome.
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

    private final DeploymentCredentials credentials;

    public Failover(DeploymentCredentials credentials) {
        this.credentials = credentials;
    }

    public Outcome call(String requestId, Route route, Progress progress, Attempt attempt) {
        Deployment served = null;
        for (int index = 0; ; index++) {
            Deployment deployment = route.deployments().get(index);
            try {
                Call call = attempt.prepare(deployment);
                String credential = credentials.forDeployment(deployment);
                served = deployment;
                call.run(credential);
                return new Outcome.Completed(served);
            } catch (ClientDisconnectedException e) {
                return new Outcome.ClientGone(served);
            } catch (RuntimeException e) {
                GatewayException error = ErrorResponses.classify(e);
                boolean hasNext = index + 1 < route.deployments().size();
                // An interrupted thread is the server shutting down, not a deployment failing: no next attempt.
                if (error instanceof UpstreamException upstream
                        && upstream.retriable()
                        && hasNext
                        && !progress.outputSent().getAsBoolean()
                        && !Thread.currentThread().isInterrupted()) {
                    log(requestId, deployment, upstream, "failing over");
                    continue;
                }
                log(requestId, deployment, error, "giving up");
                return new Outcome.Failed(
                        error, served, progress.responseStarted().getAsBoolean());
            }
        }
    }

    /** The provider's own words ({@link UpstreamException#detail()}) go to the log, never to the client. */
    private static void log(String requestId, Deployment deployment, GatewayException error, String action) {
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
