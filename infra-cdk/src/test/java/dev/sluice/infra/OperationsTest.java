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

    private static List<Map<String, Object>> functionDimension(Template template, String handler) {
        return List.of(Map.of("Name", "FunctionName", "Value", Templates.ref(Templates.functionId(template, handler))));
    }

    @Test
    void alarms_coverRouterAndBilling_andNotifyTheTopic() {
        Template template = Templates.defaults();
        String topic = Templates.only(template, "AWS::SNS::Topic");

        template.resourceCountIs("AWS::CloudWatch::Alarm", 12);
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
                .containsEntry("Dimensions", functionDimension(template, BillingAggregator.HANDLER));
    }

    @Test
    void outboxReplayerErrors_alarmOnAnyFailure() {
        Template template = Templates.defaults();

        assertThat(alarm(template, "sluice-dev-outbox-replayer-errors"))
                .containsEntry("MetricName", "Errors")
                .containsEntry("Namespace", "AWS/Lambda")
                .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                .containsEntry("Threshold", 0)
                .containsEntry("Dimensions", functionDimension(template, OutboxReplayer.HANDLER));
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

    /** The metrics of an alarm on metric math, by id. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> mathMetrics(Map<String, Object> alarm) {
        Map<String, Map<String, Object>> byId = new java.util.LinkedHashMap<>();
        for (Object raw : (List<Object>) alarm.get("Metrics")) {
            Map<String, Object> query = (Map<String, Object>) raw;
            byId.put((String) query.get("Id"), query);
        }
        return byId;
    }

    @SuppressWarnings("unchecked")
    private static void assertGatewayMetric(Map<String, Object> stat, String name, String statistic) {
        Map<String, Object> metric = (Map<String, Object>) stat.get("Metric");
        assertThat(metric)
                .containsEntry("Namespace", "Sluice")
                .containsEntry("MetricName", name)
                .doesNotContainKey("Dimensions");
        assertThat(stat).containsEntry("Stat", statistic).containsEntry("Period", 300);
    }

    @Test
    @SuppressWarnings("unchecked")
    void gatewayErrorRate_isErrorsOverRequests_above1PercentIn5Minutes() {
        Map<String, Object> alarm = alarm(Templates.defaults(), "sluice-dev-gateway-error-rate");
        Map<String, Map<String, Object>> metrics = mathMetrics(alarm);

        assertThat(metrics.values())
                .filteredOn(m -> m.containsKey("Expression"))
                .singleElement()
                .satisfies(
                        e -> assertThat(e.get("Expression")).isEqualTo("IF(requests > 0, 100 * errors / requests, 0)"));
        assertGatewayMetric((Map<String, Object>) metrics.get("requests").get("MetricStat"), "Requests", "Sum");
        assertGatewayMetric((Map<String, Object>) metrics.get("errors").get("MetricStat"), "Errors", "Sum");
        assertThat(alarm)
                .containsEntry("Threshold", 1)
                .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                .containsEntry("EvaluationPeriods", 1)
                .containsEntry("TreatMissingData", "notBreaching");
    }

    @Test
    void gatewayTtft_alarmsOnP99AboveTheThreshold_5000msByDefault() {
        assertThat(alarm(Templates.defaults(), "sluice-dev-gateway-ttft-p99"))
                .containsEntry("Namespace", "Sluice")
                .containsEntry("MetricName", "TimeToFirstTokenMs")
                .containsEntry("ExtendedStatistic", "p99")
                .containsEntry("Threshold", 5000)
                .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                .doesNotContainKey("Dimensions");
        assertThat(alarm(Templates.with(Map.of("ttftP99AlarmMs", "2500")), "sluice-dev-gateway-ttft-p99"))
                .containsEntry("Threshold", 2500);
    }

    @Test
    void gatewayOpenBreakers_alarmOnAnyOpenBreaker() {
        assertThat(alarm(Templates.defaults(), "sluice-dev-gateway-open-breakers"))
                .containsEntry("Namespace", "Sluice")
                .containsEntry("MetricName", "OpenBreakers")
                .containsEntry("Statistic", "Maximum")
                .containsEntry("Threshold", 1)
                .containsEntry("ComparisonOperator", "GreaterThanOrEqualToThreshold")
                .doesNotContainKey("Dimensions");
    }

    @Test
    @SuppressWarnings("unchecked")
    void gatewayCacheHitRate_alarmsBelowTheFloor_onlyWithEnoughLookups() {
        Map<String, Object> alarm = alarm(Templates.defaults(), "sluice-dev-gateway-cache-hit-rate");
        Map<String, Map<String, Object>> metrics = mathMetrics(alarm);

        assertThat(metrics.values())
                .filteredOn(m -> m.containsKey("Expression"))
                .singleElement()
                .satisfies(
                        e -> assertThat(e.get("Expression")).isEqualTo("IF(lookups >= 20, 100 * hits / lookups, 100)"));
        assertGatewayMetric((Map<String, Object>) metrics.get("lookups").get("MetricStat"), "CacheLookups", "Sum");
        assertGatewayMetric((Map<String, Object>) metrics.get("hits").get("MetricStat"), "CacheHits", "Sum");
        assertThat(alarm)
                .containsEntry("Threshold", 5)
                .containsEntry("ComparisonOperator", "LessThanThreshold")
                .containsEntry("TreatMissingData", "notBreaching");
        assertThat(alarm(
                        Templates.with(Map.of("cacheHitRateAlarmPercent", "12.5")),
                        "sluice-dev-gateway-cache-hit-rate"))
                .containsEntry("Threshold", 12.5);
    }

    @Test
    void gatewayHealthyDeployments_alarmsBelowHalfOnTheMinimum() {
        assertThat(alarm(Templates.defaults(), "sluice-dev-gateway-healthy-deployments"))
                .containsEntry("Namespace", "Sluice")
                .containsEntry("MetricName", "HealthyDeploymentsPercent")
                .containsEntry("Statistic", "Minimum")
                .containsEntry("Threshold", 50)
                .containsEntry("ComparisonOperator", "LessThanThreshold")
                .doesNotContainKey("Dimensions");
    }

    @Test
    void dashboard_showsEachGatewayAlarm() {
        Template template = Templates.defaults();
        String body = String.valueOf(Templates.properties(
                        Templates.resource(template, Templates.only(template, "AWS::CloudWatch::Dashboard")))
                .get("DashboardBody"));

        Map<String, String> titles = Map.of(
                "error-rate", "Gateway error rate (%)",
                "ttft-p99", "Time to first token p99 (ms)",
                "open-breakers", "Open breakers (max)",
                "cache-hit-rate", "Cache hit rate (%)",
                "healthy-deployments", "Healthy deployments (%, min)");
        titles.forEach((name, title) -> {
            String alarm =
                    Templates.logicalId(template, "AWS::CloudWatch::Alarm", "AlarmName", "sluice-dev-gateway-" + name);
            assertThat(body).as(name).contains("\"title\":\"" + title + "\"").contains(alarm);
        });
    }
}
