package dev.sluice.pipeline;

import dev.sluice.auth.Caller;
import dev.sluice.call.Attempts;
import dev.sluice.call.DeploymentPlanner;
import dev.sluice.quota.Grant;
import dev.sluice.route.RequestTraits;
import dev.sluice.route.Route;

/**
 * A request that passed the front stages (authenticated, parsed, routed, admitted): what the later stages need.
 *
 * @param route      the route serving the request: the one asked for, or the one a rule sent it to
 * @param traits     what rules and strategies look at
 * @param plan       the deployments failover tries, in order
 * @param grant      what admission reserved, settled by {@link Finish}
 * @param attempts   what failover tried, for the response's headers and the usage event
 * @param startNanos when the pipeline took the request, for latency and time to first token
 * @param redactions what the guard replaced in the prompt, for the usage event
 */
record Admitted<R>(
        GatewayRequest in,
        Caller caller,
        R request,
        Route route,
        RequestTraits traits,
        DeploymentPlanner.Plan plan,
        Grant grant,
        Attempts attempts,
        long startNanos,
        int redactions) {

    String requestId() {
        return in.requestId();
    }

    String alias() {
        return route.alias();
    }
}
