package dev.sluice.secret;

/** Provider credentials by reference name. Values must never be logged or echoed. */
public interface SecretStore {
    /** @throws SecretNotFoundException when no secret has that name */
    String get(String reference);
}
