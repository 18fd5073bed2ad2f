package dev.sluice.auth;

/**
 * Limits attached to a key. Zero means "no limit" so a key created without limits is usable.
 *
 * @param requestsPerMinute admitted requests per calendar minute, enforced in DynamoDB across all instances
 */
public record KeyLimits(long requestsPerMinute) {
    public static final KeyLimits UNLIMITED = new KeyLimits(0);

    public KeyLimits {
        if (requestsPerMinute < 0) {
            throw new IllegalArgumentException("requestsPerMinute must be >= 0");
        }
    }
}
