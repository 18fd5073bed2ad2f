package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class OperationsTest {

    private static Map<String, Object> alarm(Template template, String name) {
        return Templates.properties(Templates.resource(
                template, Templates.logicalId(template, "AWS::CloudWatch::Alarm", "AlarmName", name)));
    }

    @Test
    void alarms_coverRouterAndBilling_andNotifyTheTopic() {
        Template template = Templates.defaults();
        String topic = Templates.only(template, "AWS::SNS::Topic");

        template.resourceCountIs("AWS::CloudWatch::Alarm", 6);
        Templates.resources(template, "AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
            assertThat(Templates.properties(alarm).get("AlarmActions")).as(id).isEqualTo(List.of(Templates.ref(topic)));
            assertThat(Templates.properties(alarm).get("TreatMissingData"))
                    .as(id)
                    .isEqualTo("notBreaching");
        });
    }

    @Test
    void router5xxRate_isTheApis5xxShareOfRequests() {
        Map<String, Object> alarm = alarm(Templates.defaults(), "sluice-dev-router-5xx-rate");

        String metrics = String.valueOf(alarm.get("Metrics"));
        assertThat(metrics)
                .contains("5XXError")
                .contains("Count")
                .contains("AWS/ApiGateway")
                .contains("100 * errors / requests");
        assertThat(((Number) alarm.get("Threshold")).doubleValue()).isEqualTo(5.0);
    }

    @Test
    void routerDuration_alarmsOnP99NearTheTimeout() {
        Map<String, Object> alarm = alarm(Templates.defaults(), "sluice-dev-router-p99-duration");

        assertThat(alarm)
                .containsEntry("MetricName", "Duration")
                .containsEntry("ExtendedStatistic", "p99")
                .containsEntry("Namespace", "AWS/Lambda");
        assertThat(((Number) alarm.get("Threshold")).doubleValue()).isEqualTo(0.8 * 15 * 60_000);
    }

    @Test
    void routerThrottles_andAggregatorErrors_alarmOnAnyOccurrence() {
        Template template = Templates.defaults();

        assertThat(alarm(template, "sluice-dev-router-throttles"))
                .containsEntry("MetricName", "Throttles")
                .containsEntry("ComparisonOperator", "GreaterThanThreshold");
        assertThat(alarm(template, "sluice-dev-aggregator-errors"))
                .containsEntry("MetricName", "Errors")
                .containsEntry(
                        "Dimensions",
                        List.of(Map.of(
                                "Name",
                                "FunctionName",
                                "Value",
                                Templates.ref(Templates.functionId(template, BillingAggregator.HANDLER)))));
    }

    @Test
    void billingLag_alarmsOnMaximumIteratorAge() {
        Map<String, Object> alarm = alarm(Templates.defaults(), "sluice-dev-aggregator-iterator-age");

        assertThat(alarm).containsEntry("MetricName", "IteratorAge").containsEntry("Statistic", "Maximum");
        assertThat(((Number) alarm.get("Threshold")).doubleValue()).isEqualTo(600_000.0);
    }

    @Test
    void failedBatches_alarmAsSoonAsOneIsQueued() {
        Template template = Templates.defaults();
        Map<String, Object> alarm = alarm(template, "sluice-dev-aggregator-failed-batches");

        assertThat(alarm)
                .containsEntry("MetricName", "ApproximateNumberOfMessagesVisible")
                .containsEntry("Namespace", "AWS/SQS")
                .containsEntry("ComparisonOperator", "GreaterThanThreshold");
        assertThat(((Number) alarm.get("Threshold")).doubleValue()).isZero();
    }

    @Test
    void alarmTopic_letsCloudWatchPublishThisStagesAlarms() {
        Map<String, Map<String, Object>> policies = Templates.resources(Templates.defaults(), "AWS::SNS::TopicPolicy");
        assertThat(policies).hasSize(1);
        String document = String.valueOf(policies.values().iterator().next());
        assertThat(document)
                .contains("cloudwatch.amazonaws.com")
                .contains("sns:Publish")
                .contains(":alarm:sluice-dev-*")
                .contains("Deny");
    }

    @Test
    void alarmEmail_subscribesOnlyWhenGiven() {
        Templates.defaults().resourceCountIs("AWS::SNS::Subscription", 0);
        Templates.with(Map.of("alarmEmail", "oncall@example.com"))
                .hasResourceProperties(
                        "AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "oncall@example.com"));
    }

    @Test
    void dashboard_showsRequestsErrorsLatency_andPerTenantRouterMetrics() {
        Template template = Templates.defaults();
        String body = String.valueOf(Templates.properties(
                        Templates.resource(template, Templates.only(template, "AWS::CloudWatch::Dashboard")))
                .get("DashboardBody"));

        assertThat(body)
                .contains("\"title\":\"Requests\"", "\"title\":\"Errors\"", "\"title\":\"Latency (ms)\"")
                .contains("5XXError", "Latency", "IteratorAge", "ApproximateNumberOfMessagesVisible");
        for (String metric : List.of("TimeToFirstTokenMs", "PromptTokens", "CompletionTokens", "CostMicros")) {
            assertThat(body).contains("SEARCH('{Sluice,Tenant} MetricName=\\\"" + metric + "\\\"'");
        }
    }
}
