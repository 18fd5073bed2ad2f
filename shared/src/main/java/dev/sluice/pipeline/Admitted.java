package dev.sluice.pipeline;

import dev.sluice.auth.ApiKey;
import dev.sluice.route.Route;

/**
 * A request that passed the front stages (authenticated, parsed, routed, admitted): what the later stages need.
 *
 * @param startNanos when the pipeline took the request, for latency and time to first token
 */
record Admitted<R>(GatewayRequest in, ApiKey key, R request, Route route, long startNanos) {

    String requestId() {
        return in.requestId();
    }

    String alias() {
        return route.alias();
    }
}
