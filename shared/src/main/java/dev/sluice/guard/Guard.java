package dev.sluice.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.error.GatewayException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The guard stage: applies a route's {@link GuardPolicy} to a chat request's messages (string contents and text
 * parts) before admission, the cache and any provider see them. Deny patterns and, in {@code block} mode, any
 * personal data or secret refuse the request with 400 {@code content_policy_violation}; in {@code redact} mode each
 * finding is replaced in place by its placeholder and counted. What was found is never logged or echoed: the refusal
 * names only the kinds.
 *
 * <p>Cost per request: nothing when the route's policy is off (the default); otherwise one scan of the prompt's text
 * per pattern, and a copy of a message text only when something in it is replaced.
 */
public final class Guard {
    private final Map<String, Pattern> compiled = new ConcurrentHashMap<>();

    /** Applies the policy; answers how many findings were redacted (0 when nothing was, or the policy is off). */
    public int apply(ChatRequest request, GuardPolicy policy) {
        if (!policy.inspects()) {
            return 0;
        }
        int[] redactions = {0};
        for (JsonNode message : request.messages()) {
            eachText(message, text -> {
                for (String deny : policy.deny()) {
                    if (pattern(deny).matcher(text).find()) {
                        throw refused("it matches a pattern this route does not allow");
                    }
                }
                if (policy.pii() == GuardPolicy.Mode.OFF) {
                    return text;
                }
                PiiScanner.Result result = PiiScanner.redact(text);
                if (result.findings().isEmpty()) {
                    return text;
                }
                if (policy.pii() == GuardPolicy.Mode.BLOCK) {
                    throw refused("it contains " + kinds(result.findings()));
                }
                redactions[0] += result.findings().size();
                return result.text();
            });
        }
        return redactions[0];
    }

    /** Runs {@code check} on the message's text and puts back what it returns when that differs. */
    private static void eachText(JsonNode message, UnaryOperator<String> check) {
        JsonNode content = message.get("content");
        if (content == null) {
            return;
        }
        if (content.isTextual()) {
            String after = check.apply(content.asText());
            if (!after.equals(content.asText())) {
                ((ObjectNode) message).set("content", TextNode.valueOf(after));
            }
            return;
        }
        for (JsonNode part : content) {
            JsonNode text = part.get("text");
            if (part.isObject() && text != null && text.isTextual()) {
                String after = check.apply(text.asText());
                if (!after.equals(text.asText())) {
                    ((ObjectNode) part).put("text", after);
                }
            }
        }
    }

    private Pattern pattern(String deny) {
        return compiled.computeIfAbsent(deny, p -> Pattern.compile(p, Pattern.CASE_INSENSITIVE));
    }

    private static String kinds(List<PiiScanner.Kind> findings) {
        return String.join(
                ", ",
                findings.stream()
                        .distinct()
                        .map(kind ->
                                kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '))
                        .toList());
    }

    private static GatewayException refused(String why) {
        return GatewayException.invalidRequest(
                "The request was refused by this route's content policy: " + why + ".",
                "messages",
                "content_policy_violation");
    }
}
