package dev.sluice.provider;

/**
 * A provider that turns text into vectors. Implemented by the adapters whose upstream has an embeddings API; a route
 * whose provider lacks one answers {@code /v1/embeddings} with a 400.
 */
public interface EmbeddingProvider {

    /** The provider type routes name, the same as its {@link ChatProvider#type()}. */
    String type();

    /** One vector per input, in input order. Failures are mapped by {@link UpstreamErrors}. */
    EmbeddingResult embed(EmbeddingCall call);
}
