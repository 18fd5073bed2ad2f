package dev.sluice.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.error.GatewayException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The guard stage: applies a request's {@link GuardPolicy} (its tenant's and its route's, combined) to the prompt's
 * text before admission, the cache and any provider see it: a chat request's messages (string contents and text
 * parts), an embeddings request's text inputs (token-id inputs are not text and pass as they are).
 *
 * <ol>
 *   <li>Deny patterns, and in {@code block} mode any personal data or secret, refuse the request with 400
 *       {@code content_policy_violation}; in {@code redact} mode each finding is replaced in place by its placeholder
 *       and counted.
 *   <li>Then each Bedrock guardrail the policy names judges the (locally redacted) texts in one call: a blocking
 *       intervention refuses the request; a masking one replaces the texts with the guardrail's masked ones and counts
 *       its findings, except in {@code block} mode, where any intervention refuses. A guardrail that cannot be asked
 *       (error, timeout) fails closed: 503, and the prompt goes nowhere.
 * </ol>
 *
 * What was found is never logged or echoed: a refusal names only the kinds, or that the guardrail intervened.
 *
 * <p>Cost per request: nothing when the policy is off (the default for routes and tenants); otherwise one scan of the
 * prompt's text per pattern, a copy of a text only when something in it is replaced, and, per Bedrock guardrail, one
 * {@code ApplyGuardrail} call before the provider call (its latency, typically a few hundred milliseconds, bounded by
 * the engine's timeout, and Bedrock's price per 1,000 characters of text for each policy the guardrail configures).
 */
public final class Guard {
    private final Map<String, Pattern> compiled = new ConcurrentHashMap<>();
    private final Guardrails guardrails;

    /** @param guardrails the engine policies naming a Bedrock guardrail use */
    public Guard(Guardrails guardrails) {
        this.guardrails = guardrails;
    }

    /** A guard without a second engine: policies that name a Bedrock guardrail fail closed. */
    public static Guard local() {
        return new Guard(Guardrails.UNAVAILABLE);
    }

    /** The request as the provider will see it, and how many findings the guard replaced in it. */
    public record Guarded<R>(R request, int redactions) {}

    /** Applies the policy to a chat request's messages, in place. */
    public Guarded<ChatRequest> apply(ChatRequest request, GuardPolicy policy) {
        if (!policy.inspects()) {
            return new Guarded<>(request, 0);
        }
        List<String> texts = new ArrayList<>();
        List<Consumer<String>> writeBack = new ArrayList<>();
        for (JsonNode message : request.messages()) {
            JsonNode content = message.get("content");
            if (content == null) {
                continue;
            }
            if (content.isTextual()) {
                texts.add(content.asText());
                writeBack.add(text -> ((ObjectNode) message).set("content", TextNode.valueOf(text)));
                continue;
            }
            for (JsonNode part : content) {
                JsonNode text = part.get("text");
                if (part.isObject() && text != null && text.isTextual()) {
                    texts.add(text.asText());
                    writeBack.add(replaced -> ((ObjectNode) part).put("text", replaced));
                }
            }
        }
        List<String> before = List.copyOf(texts);
        int redactions = apply(texts, policy, "messages");
        for (int i = 0; i < texts.size(); i++) {
            if (!texts.get(i).equals(before.get(i))) {
                writeBack.get(i).accept(texts.get(i));
            }
        }
        return new Guarded<>(request, redactions);
    }

    /** Applies the policy to an embeddings request's text inputs; a redacted request is a new one. */
    public Guarded<EmbeddingRequest> apply(EmbeddingRequest request, GuardPolicy policy) {
        if (!policy.inspects() || request.texts() == null) {
            return new Guarded<>(request, 0);
        }
        List<String> texts = new ArrayList<>(request.texts());
        int redactions = apply(texts, policy, "input");
        return new Guarded<>(texts.equals(request.texts()) ? request : request.withTexts(texts), redactions);
    }

    /** Applies the policy to the texts, replacing what it redacts in the list; answers how many findings it replaced. */
    private int apply(List<String> texts, GuardPolicy policy, String param) {
        int redactions = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            for (String deny : policy.deny()) {
                if (pattern(deny).matcher(text).find()) {
                    throw refused(param, "it matches a pattern that is not allowed");
                }
            }
            if (policy.pii() == GuardPolicy.Mode.OFF) {
                continue;
            }
            PiiScanner.Result result = PiiScanner.redact(text);
            if (result.findings().isEmpty()) {
                continue;
            }
            if (policy.pii() == GuardPolicy.Mode.BLOCK) {
                throw refused(param, "it contains " + kinds(result.findings()));
            }
            redactions += result.findings().size();
            texts.set(i, result.text());
        }
        for (BedrockGuardrail guardrail : policy.bedrockGuardrails()) {
            redactions += askGuardrail(guardrail, texts, policy.pii(), param);
        }
        return redactions;
    }

    /** One guardrail's verdict on the non-blank texts (Bedrock refuses empty content blocks). */
    private int askGuardrail(BedrockGuardrail guardrail, List<String> texts, GuardPolicy.Mode pii, String param) {
        List<Integer> asked = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            if (!texts.get(i).isBlank()) {
                asked.add(i);
            }
        }
        if (asked.isEmpty()) {
            return 0;
        }
        Guardrails.Verdict verdict =
                guardrails.apply(guardrail, asked.stream().map(texts::get).toList());
        return switch (verdict) {
            case Guardrails.Verdict.Passed passed -> 0;
            case Guardrails.Verdict.Blocked blocked -> throw refused(param, "the content guardrail intervened");
            case Guardrails.Verdict.Masked masked -> {
                if (pii == GuardPolicy.Mode.BLOCK || masked.texts().size() != asked.size()) {
                    throw refused(param, "the content guardrail intervened");
                }
                for (int j = 0; j < asked.size(); j++) {
                    texts.set(asked.get(j), masked.texts().get(j));
                }
                yield masked.findings();
            }
        };
    }

    private Pattern pattern(String deny) {
        return compiled.computeIfAbsent(deny, p -> Pattern.compile(p, Pattern.CASE_INSENSITIVE));
    }

    private static String kinds(List<PiiScanner.Kind> findings) {
        return String.join(
                ", ",
                findings.stream()
                        .distinct()
                        .map(kind -> kind.name().toLowerCase(Locale.ROOT).replace('_', ' '))
                        .toList());
    }

    private static GatewayException refused(String param, String why) {
        return GatewayException.invalidRequest(
                "The request was refused by the content policy: " + why + ".", param, "content_policy_violation");
    }
}
