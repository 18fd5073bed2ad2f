package dev.sluice.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.GatewayException;
import dev.sluice.error.NonRetriableUpstreamException;
import dev.sluice.health.HealthBoard;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.stream.ClientDisconnectedException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailoverTest {
    private static final Deployment FIRST = new Deployment("p", "first", null, null, null, null);
    private static final Deployment SECOND = new Deployment("p", "second", null, "second-key", null, null);
    private static final Deployment THIRD = new Deployment("p", "third", null, null, null, null);
    private static final Route ROUTE = new Route("alias", List.of(FIRST, SECOND, THIRD));

    private final Failover failover = new Failover(
            new DeploymentCredentials(
                    new LocalSecretStore(Map.of(LocalSecretStore.variableFor("second-key"), " sk-second \n"))),
            HealthBoard.local(),
            System::nanoTime);
    private final Map<String, RuntimeException> failures = new HashMap<>();
    private final List<String> called = new ArrayList<>();
    private final List<String> credentials = new ArrayList<>();
    private boolean outputSent;
    private boolean responseStarted;

    private final Failover.Progress progress = new Failover.Progress(() -> outputSent, () -> responseStarted);

    private Outcome call() {
        return failover.call("req_1", ROUTE, progress, new Attempts(), deployment -> credential -> {
            called.add(deployment.upstreamModel());
            credentials.add(credential);
            RuntimeException failure = failures.get(deployment.upstreamModel());
            if (failure != null) {
                throw failure;
            }
        });
    }

    @Test
    void call_whenTheFirstDeploymentServes_completesThereWithoutTryingOthers() {
        assertThat(call()).isEqualTo(new Outcome.Completed(FIRST));
        assertThat(called).containsExactly("first");
    }

    @Test
    void call_onRetriableFailures_movesDownTheRouteWithEachDeploymentsCredential() {
        failures.put("first", UpstreamErrors.fromStatus("p", 503, "busy", null, -1));
        failures.put("second", UpstreamErrors.fromStatus("p", 429, "slow down", null, 3));

        assertThat(call()).isEqualTo(new Outcome.Completed(THIRD));
        assertThat(called).containsExactly("first", "second", "third");
        assertThat(credentials).containsExactly(null, "sk-second", null);
    }

    @Test
    void call_onANonRetriableFailure_stopsAtOnce() {
        failures.put("first", UpstreamErrors.fromStatus("p", 400, "bad", null, -1));

        Outcome outcome = call();

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        Outcome.Failed failed = (Outcome.Failed) outcome;
        assertThat(failed.error()).isInstanceOf(NonRetriableUpstreamException.class);
        assertThat(failed.served()).isEqualTo(FIRST);
        assertThat(called).containsExactly("first");
    }

    @Test
    void call_afterOutputReachedTheClient_neverFailsOver() {
        outputSent = true;
        responseStarted = true;
        failures.put("first", UpstreamErrors.incompleteStream("p"));

        Outcome outcome = call();

        assertThat(outcome).isEqualTo(new Outcome.Failed((GatewayException) failures.get("first"), FIRST, true));
        assertThat(called).containsExactly("first");
    }

    @Test
    void call_whenTheLastDeploymentFails_returnsItsError() {
        RuntimeException last = UpstreamErrors.fromStatus("p", 502, "down", null, -1);
        failures.put("first", UpstreamErrors.fromStatus("p", 503, "busy", null, -1));
        failures.put("second", UpstreamErrors.fromStatus("p", 503, "busy", null, -1));
        failures.put("third", last);

        assertThat(call()).isEqualTo(new Outcome.Failed((GatewayException) last, THIRD, false));
    }

    @Test
    void call_whenTheClientGoesAway_endsAsClientGoneBillingTheDeploymentCalled() {
        failures.put("first", new ClientDisconnectedException(new IOException("reset")));

        assertThat(call()).isEqualTo(new Outcome.ClientGone(FIRST));
    }

    @Test
    void call_onAMissingCredential_triesTheNextDeploymentWithoutHavingCalledIt() {
        Route route = new Route("alias", List.of(new Deployment("p", "nokey", null, "absent", null, null), THIRD));

        Outcome outcome = failover.call(
                "req_1",
                route,
                progress,
                new Attempts(),
                deployment -> credential -> called.add(deployment.upstreamModel()));

        assertThat(outcome).isEqualTo(new Outcome.Completed(THIRD));
        assertThat(called).containsExactly("third");
    }

    @Test
    void call_onAnUnexpectedException_failsAsAGeneric500WithoutFailover() {
        failures.put("first", new IllegalStateException("bug"));

        Outcome.Failed failed = (Outcome.Failed) call();

        assertThat(failed.error().status()).isEqualTo(500);
        assertThat(failed.error().getMessage()).doesNotContain("bug");
        assertThat(called).containsExactly("first");
    }

    @Test
    void call_whenTheThreadIsInterrupted_doesNotFailOver() {
        failures.put("first", UpstreamErrors.fromIoFailure("p", new java.io.InterruptedIOException("shutdown")));
        Thread.currentThread().interrupt();
        try {
            assertThat(call()).isInstanceOf(Outcome.Failed.class);
            assertThat(called).containsExactly("first");
        } finally {
            Thread.interrupted(); // clear it for the next test
        }
    }

    // ---- retries, backoff and the deadline -------------------------------------------------------------------------

    private long nanos;
    private final List<Duration> waits = new ArrayList<>();
    private final Failover timed = new Failover(
            new DeploymentCredentials(new LocalSecretStore(Map.of(LocalSecretStore.variableFor("second-key"), "k"))),
            HealthBoard.local(),
            () -> nanos,
            wait -> {
                waits.add(wait);
                nanos += wait.toNanos();
            });

    private Outcome callWith(RetryPolicy retries, Attempts attempts, int failFirstTimes, GatewayException failure) {
        int[] calls = {0};
        Route route = new Route("alias", List.of(FIRST, THIRD), retries);
        return timed.call("req_1", route, progress, attempts, deployment -> credential -> {
            called.add(deployment.upstreamModel());
            nanos += Duration.ofMillis(100).toNanos(); // each attempt takes 100 ms
            if (calls[0]++ < failFirstTimes) {
                throw failure;
            }
        });
    }

    private static RetryPolicy retries(int attempts, Duration retryAfterCap, Duration deadline) {
        return new RetryPolicy(attempts, Duration.ofMillis(200), Duration.ofSeconds(2), retryAfterCap, deadline);
    }

    @Test
    void call_withAttemptsPerDeployment_retriesTheSameDeploymentWithJitteredBackoff_beforeFailingOver() {
        Attempts attempts = new Attempts();

        Outcome outcome = callWith(
                retries(3, Duration.ofSeconds(10), Duration.ofMinutes(1)),
                attempts,
                3,
                UpstreamErrors.fromStatus("p", 503, "busy", null, -1));

        assertThat(outcome).isEqualTo(new Outcome.Completed(THIRD));
        assertThat(called).containsExactly("first", "first", "first", "third");
        assertThat(waits).hasSize(2);
        assertThat(waits.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(200));
        assertThat(waits.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(400));
        assertThat(attempts.count()).isEqualTo(4);
        assertThat(attempts.headers())
                .containsEntry("x-sluice-deployment", "p/third")
                .containsEntry("x-sluice-attempts", "4");
    }

    @Test
    void call_honoursRetryAfterUpToTheCap_andMovesOnWhenTheUpstreamAsksForMore() {
        callWith(
                retries(2, Duration.ofSeconds(10), Duration.ofMinutes(1)),
                new Attempts(),
                1,
                UpstreamErrors.fromStatus("p", 429, "slow down", null, 3));
        assertThat(waits).containsExactly(Duration.ofSeconds(3));
        assertThat(called).containsExactly("first", "first");

        waits.clear();
        called.clear();
        callWith(
                retries(2, Duration.ofSeconds(2), Duration.ofMinutes(1)),
                new Attempts(),
                1,
                UpstreamErrors.fromStatus("p", 429, "slow down", null, 30));
        assertThat(waits)
                .as("30 s is over the 2 s cap: the next deployment instead")
                .isEmpty();
        assertThat(called).containsExactly("first", "third");
    }

    @Test
    void call_neverRetriesBeyondTheDeadline_andEachAttemptGetsOnlyWhatIsLeftOfIt() {
        List<Duration> timeouts = new ArrayList<>();
        Route route = new Route(
                "alias",
                List.of(new Deployment("p", "slow", null, null, null, Duration.ofSeconds(60)), THIRD),
                retries(5, Duration.ofSeconds(10), Duration.ofSeconds(150)));

        Outcome outcome = timed.call("req_1", route, progress, new Attempts(), deployment -> credential -> {
            timeouts.add(deployment.timeout());
            nanos += deployment.timeout().toNanos(); // every attempt waits out its whole timeout
            throw UpstreamErrors.timeout("p");
        });

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        assertThat(nanos)
                .as("never past the 150 s deadline")
                .isLessThanOrEqualTo(Duration.ofSeconds(150).toNanos());
        assertThat(timeouts.getFirst()).isEqualTo(Duration.ofSeconds(60));
        assertThat(timeouts.getLast()).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void call_afterOutputReachedTheClient_neverRetries() {
        outputSent = true;

        Outcome outcome = callWith(
                retries(3, Duration.ofSeconds(10), Duration.ofMinutes(1)),
                new Attempts(),
                1,
                UpstreamErrors.fromStatus("p", 503, "busy", null, -1));

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        assertThat(called).containsExactly("first");
        assertThat(waits).isEmpty();
    }
}
