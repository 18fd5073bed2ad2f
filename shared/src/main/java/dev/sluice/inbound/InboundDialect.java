package dev.sluice.inbound;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.ErrorFormat;
import dev.sluice.route.Route;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import java.util.List;

/**
 * A client-facing API: how its request becomes the canonical OpenAI-shaped {@link ChatRequest}, how the provider's
 * output goes back, how errors and models look. One package per dialect ({@code inbound.openai},
 * {@code inbound.anthropic}); everything between (auth, route, quota, provider, usage) is the same pipeline whichever
 * dialect the client speaks.
 */
public interface InboundDialect {

    ErrorFormat errors();

    ChatRequest parse(byte[] body);

    /** Writes the provider's output to the client in this API's format (streamed or whole, as the request asked). */
    ResponseRelay relay(ResponseChannel out, String requestId, ChatRequest request, long createdEpochSeconds);

    /** The aliases a key may use, as this API's SDKs list models. */
    ObjectNode modelList(List<Route> routes);

    ObjectNode model(Route route);
}
