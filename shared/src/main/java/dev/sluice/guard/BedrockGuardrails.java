package dev.sluice.guard;

import dev.sluice.aws.BufferedUrlConnectionHttpClient;
import dev.sluice.error.GatewayException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;
import software.amazon.awssdk.services.bedrockruntime.model.ApplyGuardrailRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ApplyGuardrailResponse;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailAction;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailAssessment;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailContentSource;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailOutputContent;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailTextBlock;

/**
 * Amazon Bedrock Guardrails through {@code ApplyGuardrail} (source {@code INPUT}): each text of the prompt is one
 * content block, so the masked {@code outputs} line up with the texts one for one.
 *
 * <p>How a response reads: {@code action: NONE} passes. {@code GUARDRAIL_INTERVENED} masks only when every finding
 * in the assessments was {@code ANONYMIZED} (a sensitive-information entity or regex) and the outputs line up with
 * the texts; any {@code BLOCKED} finding, an intervention without findings this adapter knows (automated reasoning, a
 * newer policy), or outputs that do not line up block. Nothing unclear is let through.
 *
 * <p>Failures fail closed: an error answer, a refused call (IAM, an unknown guardrail), or no answer within the
 * timeout is a 503 ({@code Retry-After: 1} when the failure is passing: timeout, throttling, a 5xx), and the prompt is
 * sent nowhere. The log names the guardrail and the error code, never the text.
 *
 * <p>Calls are signed by the SDK's default credentials chain (in Lambda, the function's role, which needs
 * {@code bedrock:ApplyGuardrail} on the guardrail's ARN). Clients are built on first use, one per region.
 */
public final class BedrockGuardrails implements Guardrails, AutoCloseable {
    /** How long a prompt waits for the guardrail's verdict, retries included. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    private static final Logger LOG = LoggerFactory.getLogger(BedrockGuardrails.class);
    private static final String ANONYMIZED = "ANONYMIZED";
    private static final String BLOCKED = "BLOCKED";

    private final String defaultRegion;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final URI endpoint;
    private final Map<String, BedrockRuntimeClient> clients = new ConcurrentHashMap<>();
    private SdkHttpClient http;

    private BedrockGuardrails(String defaultRegion, Duration connectTimeout, Duration timeout, URI endpoint) {
        this.defaultRegion = Objects.requireNonNull(defaultRegion, "defaultRegion");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.endpoint = endpoint;
    }

    /** Bedrock's own endpoints: the guardrail's region, or {@code defaultRegion} (the router's) when it names none. */
    public static BedrockGuardrails create(String defaultRegion, Duration connectTimeout, Duration timeout) {
        return new BedrockGuardrails(defaultRegion, connectTimeout, timeout, null);
    }

    /** Every call to {@code endpoint} instead (a VPC endpoint without private DNS, a local fake in tests). */
    public static BedrockGuardrails create(
            String defaultRegion, Duration connectTimeout, Duration timeout, URI endpoint) {
        return new BedrockGuardrails(defaultRegion, connectTimeout, timeout, Objects.requireNonNull(endpoint));
    }

    @Override
    public Verdict apply(BedrockGuardrail guardrail, List<String> texts) {
        ApplyGuardrailRequest request = ApplyGuardrailRequest.builder()
                .guardrailIdentifier(guardrail.id())
                .guardrailVersion(guardrail.version())
                .source(GuardrailContentSource.INPUT)
                .content(texts.stream()
                        .map(text -> GuardrailContentBlock.fromText(
                                GuardrailTextBlock.builder().text(text).build()))
                        .toList())
                .overrideConfiguration(o -> o.apiCallTimeout(timeout))
                .build();
        ApplyGuardrailResponse response;
        try {
            response = client(guardrail).applyGuardrail(request);
        } catch (SdkException e) {
            throw unavailable(guardrail, e);
        }
        return verdict(response, texts.size());
    }

    /** The verdict a response gives on {@code asked} texts. */
    static Verdict verdict(ApplyGuardrailResponse response, int asked) {
        if (response.action() == GuardrailAction.NONE) {
            return new Verdict.Passed();
        }
        List<String> actions = response.assessments().stream()
                .flatMap(BedrockGuardrails::findingActions)
                .toList();
        long masked = actions.stream().filter(ANONYMIZED::equals).count();
        boolean blocked = actions.contains(BLOCKED);
        if (response.action() != GuardrailAction.GUARDRAIL_INTERVENED
                || blocked
                || masked == 0
                || response.outputs().size() != asked) {
            return new Verdict.Blocked();
        }
        return new Verdict.Masked(
                response.outputs().stream().map(GuardrailOutputContent::text).toList(), (int) masked);
    }

    /** The action of every finding of every policy in one assessment ({@code NONE} for findings only reported). */
    private static Stream<String> findingActions(GuardrailAssessment assessment) {
        Stream.Builder<String> actions = Stream.builder();
        if (assessment.topicPolicy() != null) {
            assessment.topicPolicy().topics().forEach(t -> actions.add(t.actionAsString()));
        }
        if (assessment.contentPolicy() != null) {
            assessment.contentPolicy().filters().forEach(f -> actions.add(f.actionAsString()));
        }
        if (assessment.wordPolicy() != null) {
            assessment.wordPolicy().customWords().forEach(w -> actions.add(w.actionAsString()));
            assessment.wordPolicy().managedWordLists().forEach(w -> actions.add(w.actionAsString()));
        }
        if (assessment.sensitiveInformationPolicy() != null) {
            assessment.sensitiveInformationPolicy().piiEntities().forEach(e -> actions.add(e.actionAsString()));
            assessment.sensitiveInformationPolicy().regexes().forEach(r -> actions.add(r.actionAsString()));
        }
        if (assessment.contextualGroundingPolicy() != null) {
            assessment.contextualGroundingPolicy().filters().forEach(f -> actions.add(f.actionAsString()));
        }
        return actions.build();
    }

    private static GatewayException unavailable(BedrockGuardrail guardrail, SdkException failure) {
        boolean passing;
        String what;
        if (failure instanceof AwsServiceException service) {
            int status = service.statusCode();
            passing = status == 429 || status >= 500;
            what = "HTTP " + status + " "
                    + (service.awsErrorDetails() == null
                            ? ""
                            : service.awsErrorDetails().errorCode());
        } else {
            passing = true;
            what = failure instanceof ApiCallTimeoutException || failure instanceof ApiCallAttemptTimeoutException
                    ? "no answer in time"
                    : failure.getClass().getSimpleName();
        }
        LOG.warn("Bedrock guardrail {} could not be applied ({}); failing closed", guardrail.describe(), what);
        return GatewayException.serviceUnavailable(
                "The content guardrail could not be applied; the request was not sent to any model.",
                passing ? 1 : -1,
                null);
    }

    private BedrockRuntimeClient client(BedrockGuardrail guardrail) {
        String region = guardrail.region() == null ? defaultRegion : guardrail.region();
        return clients.computeIfAbsent(region, r -> {
            BedrockRuntimeClientBuilder builder = BedrockRuntimeClient.builder()
                    .region(Region.of(r))
                    .httpClient(http())
                    // Standard retries (3 attempts) inside the call's timeout: a throttled or failed attempt is
                    // retried only while the prompt can still wait.
                    .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD));
            if (endpoint != null) {
                builder.endpointOverride(endpoint);
            }
            return builder.build();
        });
    }

    private synchronized SdkHttpClient http() {
        if (http == null) {
            http = BufferedUrlConnectionHttpClient.create(connectTimeout, timeout);
        }
        return http;
    }

    /** Closes the clients built so far (SnapStart hooks and shutdown); the next call builds them again. */
    @Override
    public synchronized void close() {
        clients.values().forEach(BedrockRuntimeClient::close);
        clients.clear();
        if (http != null) {
            http.close();
            http = null;
        }
    }

    @Override
    public String toString() {
        return "BedrockGuardrails[defaultRegion=" + defaultRegion + "]";
    }
}
