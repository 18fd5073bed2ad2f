package dev.sluice.guard;

import dev.sluice.error.GatewayException;
import java.util.List;

/**
 * The guard's second engine: a managed guardrail service that judges prompt texts (Amazon Bedrock Guardrails'
 * {@code ApplyGuardrail} in {@link BedrockGuardrails}). An engine that cannot answer throws: the guard fails closed.
 */
public interface Guardrails {
    /** No engine configured: a policy that names a guardrail is refused service (503), never let through. */
    Guardrails UNAVAILABLE = (guardrail, texts) -> {
        throw GatewayException.serviceUnavailable(
                "The content guardrail could not be applied; the request was not sent to any model.", -1, null);
    };

    /**
     * Judges the texts of one prompt, in order.
     *
     * @throws GatewayException 503 when the guardrail could not be applied (an error, a timeout, a refused call)
     */
    Verdict apply(BedrockGuardrail guardrail, List<String> texts);

    /** What the guardrail decided. */
    sealed interface Verdict {
        /** Nothing to do. */
        record Passed() implements Verdict {}

        /**
         * The guardrail only masked: {@code texts} are the inputs with each finding masked (same order and count),
         * {@code findings} how many.
         */
        record Masked(List<String> texts, int findings) implements Verdict {
            public Masked {
                texts = List.copyOf(texts);
            }
        }

        /** The guardrail blocked, or intervened in a way that cannot be applied to the prompt as a mask. */
        record Blocked() implements Verdict {}
    }
}
