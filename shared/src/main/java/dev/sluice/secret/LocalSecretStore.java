package dev.sluice.secret;

import java.util.Locale;
import java.util.Map;

/**
 * Dev-mode secrets from the environment: the reference {@code openai} is read from {@code SLUICE_SECRET_OPENAI}
 * (non-alphanumerics become underscores), and well-known provider variables are honoured as they are
 * ({@code OPENAI_API_KEY} for the reference {@code openai}, and whatever the caller adds).
 */
public final class LocalSecretStore implements SecretStore {
    private final Map<String, String> environment;
    private final Map<String, String> wellKnown;

    public LocalSecretStore(Map<String, String> environment) {
        this(environment, Map.of("openai", "OPENAI_API_KEY"));
    }

    /** @param wellKnown secret reference → the provider's own key variable, e.g. {@code anthropic → ANTHROPIC_API_KEY} */
    public LocalSecretStore(Map<String, String> environment, Map<String, String> wellKnown) {
        this.environment = Map.copyOf(environment);
        this.wellKnown = Map.copyOf(wellKnown);
    }

    public static String variableFor(String reference) {
        return "SLUICE_SECRET_" + reference.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    @Override
    public String get(String reference) {
        String value = environment.get(variableFor(reference));
        if (value == null && wellKnown.containsKey(reference)) {
            value = environment.get(wellKnown.get(reference));
        }
        if (value == null || value.isEmpty()) {
            throw new SecretNotFoundException(reference);
        }
        return value;
    }
}
