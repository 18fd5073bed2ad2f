package dev.sluice.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.GatewayException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

class AwsFailuresTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("call timeout", ApiCallTimeoutException.create(2000), true),
                Arguments.of("attempt timeout", ApiCallAttemptTimeoutException.create(1000), true),
                Arguments.of("connection refused", SdkClientException.create("Unable to execute HTTP request"), true),
                Arguments.of(
                        "throttled",
                        ProvisionedThroughputExceededException.builder()
                                .statusCode(400)
                                .awsErrorDetails(details("ProvisionedThroughputExceededException"))
                                .build(),
                        true),
                Arguments.of(
                        "service 500",
                        DynamoDbException.builder()
                                .statusCode(500)
                                .awsErrorDetails(details("InternalServerError"))
                                .build(),
                        true),
                Arguments.of(
                        "missing table",
                        ResourceNotFoundException.builder()
                                .statusCode(400)
                                .awsErrorDetails(details("ResourceNotFoundException"))
                                .build(),
                        false),
                Arguments.of(
                        "validation",
                        DynamoDbException.builder()
                                .statusCode(400)
                                .awsErrorDetails(details("ValidationException"))
                                .build(),
                        false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void translate_passingConditionsAre503_bugsStayWhatTheyAre(String name, SdkException failure, boolean unavailable) {
        RuntimeException translated = AwsFailures.translate(failure);

        if (unavailable) {
            assertThat(translated).isInstanceOfSatisfying(GatewayException.class, error -> {
                assertThat(error.status()).isEqualTo(503);
                assertThat(error.code()).isEqualTo("service_unavailable");
                assertThat(error.retryAfterSeconds()).hasValue(AwsFailures.RETRY_AFTER_SECONDS);
                assertThat(error.getCause()).isSameAs(failure);
            });
        } else {
            assertThat(translated).isSameAs(failure);
        }
    }

    private static AwsErrorDetails details(String code) {
        return AwsErrorDetails.builder().errorCode(code).errorMessage(code).build();
    }
}
