package dev.sluice.call;

import dev.sluice.error.GatewayException;
import dev.sluice.route.Deployment;

/**
 * How a call to the upstream ended. One place ({@code dev.sluice.pipeline.Finish}) reads it to decide what is
 * billed, settled and published, and how the response ends.
 */
public sealed interface Outcome {

    /** The deployment whose provider was called last (the one usage bills), or null when none was called. */
    Deployment served();

    /** The provider's answer went out whole. */
    record Completed(Deployment served) implements Outcome {}

    /**
     * The call failed for good.
     *
     * @param started true when the response had already begun (status 200 sent): it can only end with an error event
     */
    record Failed(GatewayException error, Deployment served, boolean started) implements Outcome {}

    /** The client went away; what the provider produced until then is still billed. */
    record ClientGone(Deployment served) implements Outcome {}
}
