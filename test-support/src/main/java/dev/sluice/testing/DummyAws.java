package dev.sluice.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The region and credentials every test client uses. Fixed dummy values so a developer's real AWS profile or
 * environment is never read, and a misconfigured endpoint fails with a signature error instead of touching AWS.
 */
final class DummyAws {

    static final Region REGION = Region.US_EAST_1;

    static final AwsCredentialsProvider CREDENTIALS =
            // DynamoDB Local rejects access key ids with anything but letters and digits.
            StaticCredentialsProvider.create(AwsBasicCredentials.create("sluicetest", "sluicetestsecret"));

    private DummyAws() {}
}
