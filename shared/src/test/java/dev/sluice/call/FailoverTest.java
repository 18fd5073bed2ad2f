package dev.sluice.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.GatewayException;
import dev.sluice.error.NonRetriableUpstreamException;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.secret.DeploymentCredentials;
import dev.sluice.secret.LocalSecretStore;
import dev.sluice.stream.ClientDisconnectedException;
import java.io.IOException;
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

    private final Failover failover = new Failover(new DeploymentCredentials(
            new LocalSecretStore(Map.of(LocalSecretStore.variableFor("second-key"), " sk-second \n"))));
    private final Map<String, RuntimeException> failures = new HashMap<>();
    private final List<String> called = new ArrayList<>();
    private final List<String> credentials = new ArrayList<>();
    private boolean outputSent;
    private boolean responseStarted;

    private final Failover.Progress progress = new Failover.Progress(() -> outputSent, () -> responseStarted);

    private Outcome call() {
        return failover.call("req_1", ROUTE, progress, deployment -> credential -> {
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
                "req_1", route, progress, deployment -> credential -> called.add(deployment.upstreamModel()));

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
}
