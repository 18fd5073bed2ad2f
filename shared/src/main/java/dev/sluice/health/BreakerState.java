package dev.sluice.health;

import java.util.Locale;

/** A deployment's circuit breaker: closed (serving), open (skipped until a cool-down ends), half-open (probing). */
public enum BreakerState {
    CLOSED,
    OPEN,
    HALF_OPEN;

    /** {@code closed}, {@code open}, {@code half_open}: the name in the health item and in {@code routes health}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BreakerState fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
