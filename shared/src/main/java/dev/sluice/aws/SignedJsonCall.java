package dev.sluice.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.awscore.AwsServiceClientConfiguration;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * One call of an AWS JSON-protocol API (DynamoDB, Kinesis) without the SDK's request pipeline: a {@code POST /} with
 * the operation in {@code X-Amz-Target}, signed with the SDK's own SigV4 signer and credentials, sent over an SDK HTTP
 * client ({@link BufferedUrlConnectionHttpClient}) on the calling thread. {@link DirectGetItem} and
 * {@link DirectPutRecords} are made of it.
 *
 * <p>Why: through the SDK, a small call spends more CPU in the SDK's pipeline (execution context, interceptors,
 * endpoint rules, metrics, timeout timers, marshalling) than on the wire. What is left out with it: retries, the
 * SDK's call timers (the HTTP client's connect and read timeouts bound a call) and the SDK's error types (an error
 * answer is its status, {@code __type} and message).
 */
final class SignedJsonCall {
    /** The answer: its status and its JSON (an empty object when it had no body). */
    record Answer(int status, JsonNode json) {
        boolean ok() {
            return status == 200;
        }

        /** {@code 400 ResourceNotFoundException: Stream x not found}, for an error answer. */
        String error() {
            String type = json.path("__type").asText("");
            return status + " " + type.substring(type.indexOf('#') + 1) + ": "
                    + json.path("message").asText(json.path("Message").asText(""));
        }
    }

    private final URI endpoint;
    private final String region;
    private final String service;
    private final String contentType;
    private final IdentityProvider<? extends AwsCredentialsIdentity> credentials;
    private final SdkHttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /**
     * @param service     the signing name ({@code dynamodb}, {@code kinesis})
     * @param contentType the protocol's ({@code application/x-amz-json-1.0} for DynamoDB, {@code 1.1} for Kinesis)
     */
    SignedJsonCall(
            URI endpoint,
            String region,
            String service,
            String contentType,
            IdentityProvider<? extends AwsCredentialsIdentity> credentials,
            SdkHttpClient http) {
        this.endpoint = endpoint.resolve("/");
        this.region = region;
        this.service = service;
        this.contentType = contentType;
        this.credentials = credentials;
        this.http = http;
    }

    /**
     * Calls through the same endpoint, region and credentials as the SDK client whose configuration this is, so the
     * two cannot disagree; over a {@link BufferedUrlConnectionHttpClient} of its own.
     *
     * @param timeout bound on connecting and on each wait for the answer's bytes
     */
    static SignedJsonCall of(
            AwsServiceClientConfiguration config, String service, String contentType, Duration timeout) {
        String region = config.region().id();
        return new SignedJsonCall(
                config.endpointOverride().orElseGet(() -> regionalEndpoint(service, region)),
                region,
                service,
                contentType,
                config.credentialsProvider(),
                BufferedUrlConnectionHttpClient.create(timeout, timeout));
    }

    /**
     * The service's public endpoint in {@code region}: {@code https://<service>.<region>.<DNS suffix>}, the suffix
     * being the region's partition's ({@code amazonaws.com}, {@code amazonaws.com.cn} in China, ...).
     */
    static URI regionalEndpoint(String service, String region) {
        return URI.create("https://" + service + "." + region + "."
                + PartitionMetadata.of(Region.of(region)).dnsSuffix());
    }

    Answer post(String target, byte[] body) throws IOException {
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .putHeader("Content-Type", contentType)
                .putHeader("Content-Length", Integer.toString(body.length)) // signed, as the SDK signs it
                .putHeader("X-Amz-Target", target)
                .build();
        AwsCredentialsIdentity identity = credentials.resolveIdentity().join();
        SignedRequest signed = signer.sign(r -> r.identity(identity)
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                        .request(signed.request())
                        .contentStreamProvider(ContentStreamProvider.fromByteArrayUnsafe(body))
                        .build())
                .call();
        byte[] answer;
        try (InputStream in = response.responseBody().orElse(null)) {
            answer = in == null ? new byte[0] : in.readAllBytes();
        }
        JsonNode json = answer.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(answer);
        return new Answer(response.httpResponse().statusCode(), json);
    }
}
