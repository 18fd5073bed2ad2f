package dev.sluice.pipeline;

import dev.sluice.auth.Caller;
import dev.sluice.call.Attempts;
import dev.sluice.quota.Grant;
import dev.sluice.route.Route;

/**
 * A request that passed the front stages (authenticated, parsed, routed, admitted): what the later stages need.
 *
 * @param grant      what admission reserved, settled by {@link Finish}
 * @param attempts   what failover tried, for the response's headers and the usage event
 * @param startNanos when the pipeline took the request, for latency and time to first token
 */
record Admitted<R>(
        GatewayRequest in, Caller caller, R request, Route route, Grant grant, Attempts attempts, long startNanos) {

    String requestId() {
        return in.requestId();
    }

    String alias() {
        return route.alias();
    }
}
