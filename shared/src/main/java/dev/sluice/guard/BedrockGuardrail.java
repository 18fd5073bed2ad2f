package dev.sluice.guard;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An Amazon Bedrock guardrail a guard policy sends prompts to ({@code ApplyGuardrail}, source {@code INPUT}) after
 * the local scan.
 *
 * @param id      the guardrail's id ({@code gr1abc2def3g}) or ARN
 * @param version a published version ({@code 1}) or {@code DRAFT}
 * @param region  where the guardrail lives; null for the router's own region
 */
public record BedrockGuardrail(String id, String version, String region) {
    // The patterns of ApplyGuardrail's guardrailIdentifier and guardrailVersion: a typo fails when the policy is
    // written, not on the first request.
    private static final Pattern ID =
            Pattern.compile("[a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,7}|DRAFT");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");

    public BedrockGuardrail {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        region = region == null || region.isBlank() ? null : region;
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "bedrockGuardrail id '" + id + "' is neither a guardrail id nor its ARN");
        }
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException(
                    "bedrockGuardrail version '" + version + "' must be a version number or DRAFT");
        }
        if (region != null && !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("bedrockGuardrail region '" + region + "' is not an AWS region");
        }
    }

    /** {@code id:version} or {@code id:version@region}, for listings and logs. */
    public String describe() {
        return id + ":" + version + (region == null ? "" : "@" + region);
    }
}
