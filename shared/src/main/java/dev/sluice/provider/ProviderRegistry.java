package dev.sluice.provider;

import dev.sluice.error.GatewayException;
import dev.sluice.guard.Guardrails;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Provider adapters by the type names routes use; an adapter may serve chat, embeddings or both. The guard's
 * second engine ({@link Guardrails}) is registered here too, being an adapter to a model service of its own.
 */
public final class ProviderRegistry {
    private final Map<String, ChatProvider> chat = new HashMap<>();
    private final Map<String, EmbeddingProvider> embeddings = new HashMap<>();
    private Guardrails guardrails = Guardrails.UNAVAILABLE;

    /** Registers each adapter for what it implements. */
    public ProviderRegistry(List<?> adapters) {
        for (Object adapter : adapters) {
            boolean known = false;
            if (adapter instanceof ChatProvider provider) {
                chat.put(provider.type(), provider);
                known = true;
            }
            if (adapter instanceof EmbeddingProvider provider) {
                embeddings.put(provider.type(), provider);
                known = true;
            }
            if (adapter instanceof Guardrails engine) {
                guardrails = engine;
                known = true;
            }
            if (!known) {
                throw new IllegalArgumentException("not a provider adapter: " + adapter);
            }
        }
    }

    /** The chat adapter for a route's provider type; an unknown type is a route misconfiguration (500). */
    public ChatProvider chat(String type) {
        ChatProvider provider = chat.get(type);
        if (provider == null) {
            throw GatewayException.internal(new IllegalStateException("route names unknown provider type " + type));
        }
        return provider;
    }

    /** The embeddings adapter, or a 400 when the alias's provider has no embeddings API. */
    public EmbeddingProvider embeddings(String type, String alias) {
        EmbeddingProvider provider = embeddings.get(type);
        if (provider == null) {
            throw GatewayException.invalidRequest(
                    "The model '" + alias + "' is served by the " + type + " provider, which has no embeddings API.",
                    "model",
                    "unsupported_model");
        }
        return provider;
    }

    /** The engine of policies that name a Bedrock guardrail; {@link Guardrails#UNAVAILABLE} when none is registered. */
    public Guardrails guardrails() {
        return guardrails;
    }

    public Set<String> chatTypes() {
        return Set.copyOf(chat.keySet());
    }
}
