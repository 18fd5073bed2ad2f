package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.route.Deployment;
import java.net.URI;
import java.net.http.HttpRequest;

/**
 * How one member of the OpenAI-speaking family differs from OpenAI itself: where its endpoints live, how it
 * authenticates, and which request fields it names differently or refuses. The wire format (request JSON, SSE
 * chunks, error bodies) is shared and handled once by {@link OpenAiCompatibleProvider}.
 */
public interface OpenAiDialect {

    /** The provider type routes name, e.g. {@code openai}, {@code azure-openai}, {@code groq}. */
    String type();

    /** The URL of an operation, {@code "chat/completions"} or {@code "embeddings"}, for this deployment. */
    URI uri(Deployment deployment, String operation);

    /** Adds the credential to the request in the dialect's way; {@code credential} may be null. */
    void authenticate(HttpRequest.Builder request, Deployment deployment, String credential);

    /** Rewrites the (already copied) upstream body for the dialect's quirks. */
    default void adapt(ObjectNode body) {}

    /** Whether the upstream accepts {@code stream_options.include_usage}. */
    default boolean acceptsStreamOptions() {
        return true;
    }
}
