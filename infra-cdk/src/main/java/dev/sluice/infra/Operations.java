package dev.sluice.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IAlarm;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * What an operator watches: alarms on the router (5xx rate at the API, p99 duration, throttles) and on billing
 * (iterator age, failed batches, errors), all notifying one SNS topic, and a dashboard with requests, errors,
 * latency and the per-tenant time to first token, tokens and cost the router publishes as EMF metrics in the
 * {@value #METRICS_NAMESPACE} namespace.
 */
public final class Operations extends Construct {
    public static final String METRICS_NAMESPACE = "Sluice";
    public static final String TENANT_DIMENSION = "Tenant";
    public static final List<String> TENANT_METRICS =
            List.of("TimeToFirstTokenMs", "PromptTokens", "CompletionTokens", "CostMicros");
    /** Percent of API requests answered 5xx, per minute, that trips the alarm (3 of 5 minutes). */
    public static final double ROUTER_5XX_PERCENT = 5;
    /** Iterator age beyond which usage numbers are too stale for budgets (two 5-minute periods). */
    public static final Duration MAX_ITERATOR_AGE = Duration.minutes(10);

    private final Topic alarmTopic;
    private final List<Alarm> alarms = new ArrayList<>();

    public Operations(
            Construct scope,
            String id,
            SluiceSettings settings,
            RouterFunction router,
            StreamingApi api,
            BillingAggregator aggregator) {
        super(scope, id);
        String prefix = "sluice-" + settings.stage() + "-";

        alarmTopic = Topic.Builder.create(this, "AlarmTopic")
                .displayName("Sluice " + settings.stage() + " alarms")
                .enforceSsl(true)
                .build();
        // enforceSsl writes a topic policy holding only a Deny, which replaces the default policy: CloudWatch must
        // be allowed to publish explicitly, for this stage's alarms only, or no alarm ever notifies anyone.
        Stack stack = Stack.of(this);
        alarmTopic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsPublish")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(alarmTopic.getTopicArn()))
                .conditions(Map.of(
                        "ArnLike",
                        Map.of(
                                "aws:SourceArn",
                                "arn:" + stack.getPartition() + ":cloudwatch:" + stack.getRegion() + ":"
                                        + stack.getAccount() + ":alarm:" + prefix + "*")))
                .build());
        if (settings.alarmEmail() != null) {
            alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail()));
        }

        Duration minute = Duration.minutes(1);
        Duration fiveMinutes = Duration.minutes(5);
        Metric requests = api.api().metricCount(options("Sum", minute));
        Metric serverErrors = api.api().metricServerError(options("Sum", minute));
        Metric clientErrors = api.api().metricClientError(options("Sum", minute));
        MathExpression serverErrorRate = MathExpression.Builder.create()
                .expression("IF(requests > 0, 100 * errors / requests, 0)")
                .usingMetrics(Map.of("requests", requests, "errors", serverErrors))
                .period(minute)
                .label("5xx %")
                .build();
        alarm(
                serverErrorRate,
                prefix + "router-5xx-rate",
                "More than " + ROUTER_5XX_PERCENT + "% of API requests answered 5xx in 3 of the last 5 minutes.",
                ROUTER_5XX_PERCENT,
                5,
                3,
                ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);

        // Long streams are normal; a p99 near the timeout means streams are being cut off.
        double nearTimeoutMs = settings.routerTimeoutMinutes() * 60_000 * 0.8;
        Metric routerP99 = router.function().metricDuration(options("p99", fiveMinutes));
        alarm(
                routerP99,
                prefix + "router-p99-duration",
                "Router p99 duration above 80% of its " + settings.routerTimeoutMinutes()
                        + "-minute timeout for 15 minutes.",
                nearTimeoutMs,
                3,
                3,
                ComparisonOperator.GREATER_THAN_THRESHOLD);

        Metric routerThrottles = router.function().metricThrottles(options("Sum", fiveMinutes));
        alarm(
                routerThrottles,
                prefix + "router-throttles",
                "Router invocations throttled (concurrency limit).",
                0,
                1,
                1,
                ComparisonOperator.GREATER_THAN_THRESHOLD);

        Metric iteratorAge = aggregator.function().metric("IteratorAge", options("Maximum", fiveMinutes));
        alarm(
                iteratorAge,
                prefix + "aggregator-iterator-age",
                "Usage events wait more than " + MAX_ITERATOR_AGE.toMinutes().intValue()
                        + " minutes before they are billed.",
                MAX_ITERATOR_AGE.toMilliseconds().doubleValue(),
                2,
                2,
                ComparisonOperator.GREATER_THAN_THRESHOLD);

        Metric failedBatches =
                aggregator.failedBatches().metricApproximateNumberOfMessagesVisible(options("Maximum", fiveMinutes));
        alarm(
                failedBatches,
                prefix + "aggregator-failed-batches",
                "A usage batch failed every retry; its shard "
                        + "position is in the failed-batches queue (replay before the stream's 24 h retention ends).",
                0,
                1,
                1,
                ComparisonOperator.GREATER_THAN_THRESHOLD);

        Metric aggregatorErrors = aggregator.function().metricErrors(options("Sum", fiveMinutes));
        alarm(
                aggregatorErrors,
                prefix + "aggregator-errors",
                "The billing aggregator failed whole invocations.",
                0,
                1,
                1,
                ComparisonOperator.GREATER_THAN_THRESHOLD);

        dashboard(
                settings,
                router,
                api,
                aggregator,
                requests,
                serverErrors,
                clientErrors,
                iteratorAge,
                failedBatches,
                aggregatorErrors);
    }

    private void dashboard(
            SluiceSettings settings,
            RouterFunction router,
            StreamingApi api,
            BillingAggregator aggregator,
            Metric requests,
            Metric serverErrors,
            Metric clientErrors,
            Metric iteratorAge,
            Metric failedBatches,
            Metric aggregatorErrors) {
        Dashboard dashboard = Dashboard.Builder.create(this, "Dashboard")
                .dashboardName("Sluice-" + settings.stage())
                .build();
        Duration minute = Duration.minutes(1);
        Duration fiveMinutes = Duration.minutes(5);
        dashboard.addWidgets(
                graph("Requests", List.of(requests)),
                graph(
                        "Errors",
                        List.of(
                                serverErrors,
                                clientErrors,
                                router.function().metricErrors(options("Sum", minute)),
                                router.function().metricThrottles(options("Sum", minute)))),
                graph(
                        "Latency (ms)",
                        List.of(
                                api.api().metricLatency(options("p50", minute)),
                                api.api().metricLatency(options("p99", minute)),
                                router.function().metricDuration(options("p99", minute)))));
        dashboard.addWidgets(
                graph(
                        "Time to first token p90 by tenant (ms)",
                        List.of(byTenant("TimeToFirstTokenMs", "p90", fiveMinutes, ""))),
                graph(
                        "Tokens by tenant",
                        List.of(
                                byTenant("PromptTokens", "Sum", fiveMinutes, ""),
                                byTenant("CompletionTokens", "Sum", fiveMinutes, ""))),
                graph("Cost by tenant (USD)", List.of(byTenant("CostMicros", "Sum", fiveMinutes, " / 1000000"))));
        List<IAlarm> alarmList = new ArrayList<>(alarms);
        dashboard.addWidgets(
                graph("Billing lag: iterator age (ms)", List.of(iteratorAge)),
                graph("Billing failures", List.of(failedBatches, aggregatorErrors)),
                AlarmStatusWidget.Builder.create()
                        .title("Alarms")
                        .alarms(alarmList)
                        .width(8)
                        .height(6)
                        .build());
    }

    /** All series of a router EMF metric, one line per tenant, found by a metrics search. */
    private static MathExpression byTenant(String metricName, String statistic, Duration period, String scale) {
        return MathExpression.Builder.create()
                .expression("SEARCH('{" + METRICS_NAMESPACE + "," + TENANT_DIMENSION + "} MetricName=\"" + metricName
                        + "\"', '" + statistic + "', " + period.toSeconds() + ")" + scale)
                .usingMetrics(Map.of())
                .period(period)
                .label("")
                .build();
    }

    private static IWidget graph(String title, List<? extends IMetric> metrics) {
        return GraphWidget.Builder.create()
                .title(title)
                .left(List.copyOf(metrics))
                .width(8)
                .height(6)
                .build();
    }

    private void alarm(
            IMetric metric,
            String name,
            String description,
            double threshold,
            int evaluationPeriods,
            int datapointsToAlarm,
            ComparisonOperator comparison) {
        Alarm alarm = Alarm.Builder.create(this, name)
                .metric(metric)
                .alarmName(name)
                .alarmDescription(description)
                .threshold(threshold)
                .evaluationPeriods(evaluationPeriods)
                .datapointsToAlarm(datapointsToAlarm)
                .comparisonOperator(comparison)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        alarm.addAlarmAction(new SnsAction(alarmTopic));
        alarm.addOkAction(new SnsAction(alarmTopic));
        alarms.add(alarm);
    }

    private static MetricOptions options(String statistic, Duration period) {
        return MetricOptions.builder().statistic(statistic).period(period).build();
    }

    public Topic alarmTopic() {
        return alarmTopic;
    }

    public List<Alarm> alarms() {
        return List.copyOf(alarms);
    }
}
