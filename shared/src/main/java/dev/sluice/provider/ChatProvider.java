package dev.sluice.provider;

/**
 * One model provider behind the gateway. Every provider streams: it calls the listener with typed chunks
 * ({@link StreamChunk}: text, reasoning, tool calls, finish) as its upstream produces them and reports the usage the
 * upstream states, then returns. Non-streaming
 * clients are served by assembling the same stream, so there is one code path per provider and usage is always
 * the provider's own count.
 *
 * <p>Failures are {@link dev.sluice.error.GatewayException}s mapped from the upstream's status by
 * {@link UpstreamErrors}. If the listener throws (the client went away), the provider must release the upstream
 * connection and let the exception through.
 */
public interface ChatProvider {

    /** The provider type routes name in their deployments, e.g. {@code openai-compatible}. */
    String type();

    void streamChat(ProviderCall call, ChatStreamListener listener);
}
