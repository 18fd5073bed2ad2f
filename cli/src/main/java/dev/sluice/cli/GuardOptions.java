package dev.sluice.cli;

import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * A tenant's guard: what happens to every prompt of its keys, on top of each route's own guard (the stricter of the
 * two applies). An option not given leaves that part as it was ({@code tenants set}) or off (create).
 */
final class GuardOptions {
    @Option(
            names = "--pii",
            paramLabel = "MODE",
            description = "Personal data and secrets in prompts: off, redact or block.")
    String pii;

    @Option(
            names = "--deny",
            paramLabel = "REGEX",
            description = "A pattern (case-insensitive) that refuses any prompt holding it; repeatable ('' for none).")
    List<String> deny;

    @Option(
            names = "--bedrock-guardrail",
            paramLabel = "ID,VERSION[,REGION]",
            description = "An Amazon Bedrock guardrail every prompt is also sent to ('' for none).")
    String bedrockGuardrail;

    boolean anyGiven() {
        return pii != null || deny != null || bedrockGuardrail != null;
    }

    /** {@code base} with the parts given on the command line replaced. */
    GuardPolicy over(GuardPolicy base) {
        try {
            return GuardPolicy.of(
                    pii == null ? base.pii() : GuardPolicy.Mode.fromWireName(pii.strip()),
                    deny == null ? base.deny() : List.copyOf(AccessOptions.nonBlank(deny)),
                    bedrockGuardrail == null ? base.bedrockGuardrail() : bedrockGuardrail(bedrockGuardrail));
        } catch (IllegalArgumentException e) {
            throw new UsageError("guard: " + e.getMessage());
        }
    }

    private static BedrockGuardrail bedrockGuardrail(String value) {
        if (value.isBlank()) {
            return null;
        }
        String[] parts = value.strip().split(",", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new UsageError("--bedrock-guardrail: ID,VERSION or ID,VERSION,REGION, not '" + value + "'");
        }
        return new BedrockGuardrail(parts[0].strip(), parts[1].strip(), parts.length == 3 ? parts[2].strip() : null);
    }

    /** One line for listings: {@code pii redact, 2 deny patterns, bedrock gr1abc:1}. */
    static String describe(GuardPolicy guard) {
        if (!guard.inspects()) {
            return "off";
        }
        StringBuilder out = new StringBuilder("pii ").append(guard.pii().wireName());
        if (!guard.deny().isEmpty()) {
            out.append(", deny ").append(String.join(" | ", guard.deny()));
        }
        if (guard.bedrockGuardrail() != null) {
            out.append(", bedrock ").append(guard.bedrockGuardrail().describe());
        }
        return out.toString();
    }
}
