package dev.sluice.guard;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the guard stage does with a route's requests before any provider sees them.
 *
 * @param pii  personal data and secrets in the prompt: left alone, replaced by placeholders, or refused
 * @param deny patterns (Java regular expressions, matched case-insensitively) that refuse a request wherever they
 *             appear in its messages
 */
public record GuardPolicy(Mode pii, List<String> deny) {
    /** A route that sets no guard: nothing is inspected. */
    public static final GuardPolicy OFF = new GuardPolicy(Mode.OFF, List.of());

    public GuardPolicy {
        Objects.requireNonNull(pii, "pii");
        deny = deny == null ? List.of() : List.copyOf(deny);
        for (String pattern : deny) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "deny pattern '" + pattern + "' is not a regular expression: " + e.getDescription());
            }
        }
    }

    public boolean inspects() {
        return pii != Mode.OFF || !deny.isEmpty();
    }

    public enum Mode {
        OFF,
        /** Each finding is replaced by a placeholder naming its kind ({@code [EMAIL]}); the request goes on. */
        REDACT,
        /** A request with any finding is refused: 400 {@code content_policy_violation}. */
        BLOCK;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode fromWireName(String name) {
            for (Mode mode : values()) {
                if (mode.wireName().equals(name)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("unknown pii mode '" + name + "' (known: off, redact, block)");
        }
    }
}
