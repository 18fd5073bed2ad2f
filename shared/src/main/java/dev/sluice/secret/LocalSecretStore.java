package dev.sluice.secret;

import java.util.Locale;
import java.util.Map;

/**
 * Dev-mode secrets from the environment: the reference {@code openai} is read from {@code SLUICE_SECRET_OPENAI}
 * (non-alphanumerics become underscores), and a few well-known provider variables are honoured as they are
 * ({@code OPENAI_API_KEY} for the reference {@code openai}).
 */
public final class LocalSecretStore implements SecretStore {
    private static final Map<String, String> WELL_KNOWN = Map.of("openai", "OPENAI_API_KEY");

    private final Map<String, String> environment;

    public LocalSecretStore(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public static String variableFor(String reference) {
        return "SLUICE_SECRET_" + reference.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    @Override
    public String get(String reference) {
        String value = environment.get(variableFor(reference));
        if (value == null && WELL_KNOWN.containsKey(reference)) {
            value = environment.get(WELL_KNOWN.get(reference));
        }
        if (value == null || value.isEmpty()) {
            throw new SecretNotFoundException(reference);
        }
        return value;
    }
}
