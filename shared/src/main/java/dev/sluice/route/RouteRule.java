package dev.sluice.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Content-based routing: a request that matches every condition set here goes to the alias {@code target} instead.
 * A route's rules are tried in order and the first match wins; conditions left unset (null, or an empty set) match any
 * request.
 *
 * @param minPromptTokens match only prompts estimated at this many tokens or more (long context → a long-context model)
 * @param maxPromptTokens match only prompts estimated at this many tokens or fewer (short prompts → a small model)
 * @param images          true: the request carries images; false: it carries none
 * @param tools           true: the request declares tools; false: it declares none
 * @param jsonMode        true: it asks for JSON output ({@code response_format} json_object or json_schema)
 * @param anyTag          the caller sent at least one of these in {@code x-sluice-tags}
 * @param tenants         the caller belongs to one of these tenants
 */
public record RouteRule(
        String target,
        Long minPromptTokens,
        Long maxPromptTokens,
        Boolean images,
        Boolean tools,
        Boolean jsonMode,
        Set<String> anyTag,
        Set<String> tenants) {
    public RouteRule {
        Objects.requireNonNull(target, "target");
        if (target.isBlank()) {
            throw new IllegalArgumentException("a rule needs a target alias");
        }
        anyTag = anyTag == null ? Set.of() : Set.copyOf(anyTag);
        tenants = tenants == null ? Set.of() : Set.copyOf(tenants);
        if (minPromptTokens != null && minPromptTokens < 0 || maxPromptTokens != null && maxPromptTokens < 0) {
            throw new IllegalArgumentException("prompt token bounds must be >= 0");
        }
        if (minPromptTokens == null
                && maxPromptTokens == null
                && images == null
                && tools == null
                && jsonMode == null
                && anyTag.isEmpty()
                && tenants.isEmpty()) {
            throw new IllegalArgumentException("a rule to '" + target + "' needs at least one condition");
        }
    }

    /** True when the request meets every condition; the token estimate is taken only when a bound needs it. */
    public boolean matches(RequestTraits request) {
        if (images != null && images != request.images()) {
            return false;
        }
        if (tools != null && tools != request.tools()) {
            return false;
        }
        if (jsonMode != null && jsonMode != request.jsonMode()) {
            return false;
        }
        if (!tenants.isEmpty() && !tenants.contains(request.tenant())) {
            return false;
        }
        if (!anyTag.isEmpty() && request.tags().stream().noneMatch(anyTag::contains)) {
            return false;
        }
        if (minPromptTokens != null && request.promptTokens() < minPromptTokens) {
            return false;
        }
        return maxPromptTokens == null || request.promptTokens() <= maxPromptTokens;
    }

    /** The conditions in words, for logs and {@code gatewayctl routes}: "prompt ≥ 100000 tokens, tag batch". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (minPromptTokens != null) {
            parts.add("prompt >= " + minPromptTokens + " tokens");
        }
        if (maxPromptTokens != null) {
            parts.add("prompt <= " + maxPromptTokens + " tokens");
        }
        if (images != null) {
            parts.add(images ? "images" : "no images");
        }
        if (tools != null) {
            parts.add(tools ? "tools" : "no tools");
        }
        if (jsonMode != null) {
            parts.add(jsonMode ? "JSON mode" : "no JSON mode");
        }
        if (!anyTag.isEmpty()) {
            parts.add("tag " + String.join("|", anyTag.stream().sorted().toList()));
        }
        if (!tenants.isEmpty()) {
            parts.add("tenant " + String.join("|", tenants.stream().sorted().toList()));
        }
        return String.join(", ", parts);
    }
}
