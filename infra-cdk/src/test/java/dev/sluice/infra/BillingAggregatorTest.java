package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class BillingAggregatorTest {
    private static final String HANDLER = "dev.sluice.aggregator.AggregatorHandler::handleRequest";

    private static Map<String, Object> eventSource(Template template) {
        return Templates.properties(
                Templates.resource(template, Templates.only(template, "AWS::Lambda::EventSourceMapping")));
    }

    @Test
    void aggregator_runsOnJava21_arm64_withSnapStart_andItsHandler() {
        Template template = Templates.defaults();
        Map<String, Object> function =
                Templates.properties(Templates.resource(template, Templates.functionId(template, HANDLER)));

        assertThat(function.get("Runtime")).isEqualTo("java21");
        assertThat(function.get("Architectures")).isEqualTo(List.of("arm64"));
        assertThat(function.get("SnapStart")).isEqualTo(Map.of("ApplyOn", "PublishedVersions"));
        assertThat(function.get("TracingConfig")).isEqualTo(Map.of("Mode", "Active"));
        assertThat(function.get("Environment"))
                .isEqualTo(Map.of(
                        "Variables", Map.of("SLUICE_USAGE_TABLE", Templates.ref(Templates.table(template, "tenant")))));
    }

    @Test
    void eventSource_readsTheUsageStream_intoTheLiveAlias() {
        Template template = Templates.defaults();
        String function = Templates.functionId(template, HANDLER);
        String alias = Templates.logicalId(template, "AWS::Lambda::Alias", "FunctionName", Templates.ref(function));
        Map<String, Object> mapping = eventSource(template);

        assertThat(mapping.get("EventSourceArn"))
                .isEqualTo(Templates.arnOf(Templates.only(template, "AWS::Kinesis::Stream")));
        assertThat(String.valueOf(mapping.get("FunctionName")))
                .contains("{Ref=" + alias + "}")
                .endsWith(":live]]}");
        assertThat(mapping.get("StartingPosition")).isEqualTo("TRIM_HORIZON");
    }

    @Test
    void eventSource_batches500_forAtMostFiveSeconds() {
        Map<String, Object> mapping = eventSource(Templates.defaults());

        assertThat(((Number) mapping.get("BatchSize")).intValue()).isEqualTo(500);
        assertThat(((Number) mapping.get("MaximumBatchingWindowInSeconds")).intValue())
                .isEqualTo(5);
    }

    @Test
    void eventSource_isolatesBadRecords_andRetriesBoundedly() {
        Map<String, Object> mapping = eventSource(Templates.defaults());

        assertThat(mapping.get("FunctionResponseTypes")).isEqualTo(List.of("ReportBatchItemFailures"));
        assertThat(mapping.get("BisectBatchOnFunctionError")).isEqualTo(true);
        assertThat(((Number) mapping.get("MaximumRetryAttempts")).intValue()).isEqualTo(5);
    }

    @Test
    void failedBatches_goToAQueueKeptFourteenDays() {
        Template template = Templates.defaults();
        String queue = Templates.only(template, "AWS::SQS::Queue");

        assertThat(eventSource(template).get("DestinationConfig"))
                .isEqualTo(Map.of("OnFailure", Map.of("Destination", Templates.arnOf(queue))));
        assertThat(((Number) Templates.properties(Templates.resource(template, queue))
                                .get("MessageRetentionPeriod"))
                        .intValue())
                .isEqualTo(14 * 24 * 3600);
    }
}
