package dev.sluice.guard;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the guard stage does with a request's prompt before any provider sees it. A route and a tenant each carry
 * one; a request gets the stricter combination of its tenant's and its route's ({@link #strictest}).
 *
 * @param pii                personal data and secrets in the prompt: left alone, replaced by placeholders, or refused
 * @param deny               patterns (Java regular expressions, matched case-insensitively) that refuse a request
 *                           wherever they appear in its prompt
 * @param bedrockGuardrails  Amazon Bedrock guardrails the prompt is sent to after the local scan, in order; a route's
 *                           or a tenant's policy names at most one, a combined policy one of each
 */
public record GuardPolicy(Mode pii, List<String> deny, List<BedrockGuardrail> bedrockGuardrails) {
    /** A route or tenant that sets no guard: nothing is inspected. */
    public static final GuardPolicy OFF = new GuardPolicy(Mode.OFF, List.of());

    public GuardPolicy {
        Objects.requireNonNull(pii, "pii");
        deny = deny == null ? List.of() : List.copyOf(deny);
        bedrockGuardrails = bedrockGuardrails == null ? List.of() : List.copyOf(bedrockGuardrails);
        for (String pattern : deny) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "deny pattern '" + pattern + "' is not a regular expression: " + e.getDescription());
            }
        }
    }

    /** A policy without a Bedrock guardrail. */
    public GuardPolicy(Mode pii, List<String> deny) {
        this(pii, deny, List.of());
    }

    /** A route's or a tenant's policy: the local scan and at most one Bedrock guardrail (null for none). */
    public static GuardPolicy of(Mode pii, List<String> deny, BedrockGuardrail bedrockGuardrail) {
        return new GuardPolicy(pii, deny, bedrockGuardrail == null ? List.of() : List.of(bedrockGuardrail));
    }

    /**
     * The policy a request of this tenant on this route gets: the stricter PII mode of the two (block over redact over
     * off), every deny pattern of both, and both Bedrock guardrails (each once). Neither side can loosen the other.
     */
    public static GuardPolicy strictest(GuardPolicy tenant, GuardPolicy route) {
        if (!tenant.inspects()) {
            return route;
        }
        if (!route.inspects()) {
            return tenant;
        }
        Mode pii = tenant.pii().compareTo(route.pii()) >= 0 ? tenant.pii() : route.pii();
        LinkedHashSet<String> deny = new LinkedHashSet<>(tenant.deny());
        deny.addAll(route.deny());
        LinkedHashSet<BedrockGuardrail> guardrails = new LinkedHashSet<>(tenant.bedrockGuardrails());
        guardrails.addAll(route.bedrockGuardrails());
        return new GuardPolicy(pii, new ArrayList<>(deny), new ArrayList<>(guardrails));
    }

    public boolean inspects() {
        return pii != Mode.OFF || !deny.isEmpty() || !bedrockGuardrails.isEmpty();
    }

    /** The one Bedrock guardrail of a route's or a tenant's policy, or null; stores and files hold no more. */
    public BedrockGuardrail bedrockGuardrail() {
        if (bedrockGuardrails.size() > 1) {
            throw new IllegalStateException("a combined policy is applied, never stored");
        }
        return bedrockGuardrails.isEmpty() ? null : bedrockGuardrails.getFirst();
    }

    /** In order of strictness: {@link #strictest} takes the later of two. */
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
