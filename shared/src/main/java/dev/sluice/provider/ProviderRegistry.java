package dev.sluice.provider;

import dev.sluice.error.GatewayException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Provider adapters by the type names routes use. */
public final class ProviderRegistry {
    private final Map<String, ChatProvider> providers;

    public ProviderRegistry(List<ChatProvider> providers) {
        this.providers = providers.stream().collect(Collectors.toUnmodifiableMap(ChatProvider::type,
                Function.identity()));
    }

    public ChatProvider get(String type) {
        ChatProvider provider = providers.get(type);
        if (provider == null) {
            throw GatewayException.internal(new IllegalStateException("route names unknown provider type " + type));
        }
        return provider;
    }
}
