package dev.sluice.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.AlarmWidget;
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
 * What an operator watches: alarms on the router (5xx rate at the API, p99 duration, throttles), on the gateway's
 * own metrics (error rate, p99 time to first token, open breakers, cache hit rate, healthy deployments) and on
 * billing (iterator age, failed batches, aggregator and outbox replayer errors), all notifying one SNS topic, and a
 * dashboard with requests, errors, latency, the gateway's metrics and the per-tenant time to first token, tokens
 * and cost the router publishes as EMF metrics in the {@value #METRICS_NAMESPACE} namespace.
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
    /** Cache lookups in 5 minutes below which the hit rate is not judged. */
    public static final int CACHE_MIN_LOOKUPS = 20;

    private final Topic alarmTopic;
    private final List<Alarm> alarms = new ArrayList<>();

    public Operations(
            Construct scope,
            String id,
            SluiceSettings settings,
            RouterFunction router,
            StreamingApi api,
            BillingAggregator aggregator,
            OutboxReplayer replayer) {
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

        // Parked usage events are unbilled requests: a replayer that fails leaves them parked.
        Metric replayerErrors = replayer.function().metricErrors(options("Sum", fiveMinutes));
        alarm(
                replayerErrors,
                prefix + "outbox-replayer-errors",
                "The usage outbox replayer failed: parked usage events are not reaching the stream (and billing).",
                0,
                1,
                1,
                ComparisonOperator.GREATER_THAN_THRESHOLD);

        Map<String, Alarm> gatewayAlarms = gatewayAlarms(settings, prefix);

        dashboard(
                gatewayAlarms,
                settings,
                router,
                api,
                aggregator,
                requests,
                serverErrors,
                clientErrors,
                iteratorAge,
                failedBatches,
                aggregatorErrors,
                replayerErrors);
    }

    /**
     * Alarms on the metrics the router publishes about itself (EMF, namespace {@value #METRICS_NAMESPACE}, no
     * dimension): what the gateway saw, beyond what API Gateway and Lambda see. Thresholds come from the settings.
     */
    private Map<String, Alarm> gatewayAlarms(SluiceSettings settings, String prefix) {
        Duration fiveMinutes = Duration.minutes(5);
        Map<String, Alarm> gateway = new LinkedHashMap<>();

        MathExpression errorRate = MathExpression.Builder.create()
                .expression("IF(requests > 0, 100 * errors / requests, 0)")
                .usingMetrics(Map.of(
                        "requests", gatewayMetric("Requests", "Sum", fiveMinutes),
                        "errors", gatewayMetric("Errors", "Sum", fiveMinutes)))
                .period(fiveMinutes)
                .label("error %")
                .build();
        gateway.put(
                "Gateway error rate (%)",
                alarm(
                        errorRate,
                        prefix + "gateway-error-rate",
                        "More than " + settings.errorRateAlarmPercent()
                                + "% of the gateway's requests failed over 5 minutes "
                                + "(Errors / Requests, as the router counts them).",
                        settings.errorRateAlarmPercent(),
                        1,
                        1,
                        ComparisonOperator.GREATER_THAN_THRESHOLD));

        gateway.put(
                "Time to first token p99 (ms)",
                alarm(
                        gatewayMetric("TimeToFirstTokenMs", "p99", fiveMinutes),
                        prefix + "gateway-ttft-p99",
                        "p99 time to first token above " + settings.ttftP99AlarmMs() + " ms for 10 minutes.",
                        settings.ttftP99AlarmMs(),
                        2,
                        2,
                        ComparisonOperator.GREATER_THAN_THRESHOLD));

        // A gauge each request samples: the most open breakers any router saw.
        gateway.put(
                "Open breakers (max)",
                alarm(
                        gatewayMetric("OpenBreakers", "Maximum", fiveMinutes),
                        prefix + "gateway-open-breakers",
                        "A deployment's circuit breaker is open: its provider fails and traffic goes elsewhere.",
                        1,
                        1,
                        1,
                        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD));

        // Too few lookups say nothing about the cache: below CACHE_MIN_LOOKUPS the rate counts as 100 %.
        MathExpression cacheHitRate = MathExpression.Builder.create()
                .expression("IF(lookups >= " + CACHE_MIN_LOOKUPS + ", 100 * hits / lookups, 100)")
                .usingMetrics(Map.of(
                        "lookups", gatewayMetric("CacheLookups", "Sum", fiveMinutes),
                        "hits", gatewayMetric("CacheHits", "Sum", fiveMinutes)))
                .period(fiveMinutes)
                .label("cache hit %")
                .build();
        gateway.put(
                "Cache hit rate (%)",
                alarm(
                        cacheHitRate,
                        prefix + "gateway-cache-hit-rate",
                        "Response-cache hit rate below " + settings.cacheHitRateAlarmPercent()
                                + "% for 15 minutes (at least " + CACHE_MIN_LOOKUPS + " lookups in each 5).",
                        settings.cacheHitRateAlarmPercent(),
                        3,
                        3,
                        ComparisonOperator.LESS_THAN_THRESHOLD));

        // A gauge each request samples: the fewest healthy deployments any router saw, as a share of all.
        gateway.put(
                "Healthy deployments (%, min)",
                alarm(
                        gatewayMetric("HealthyDeploymentsPercent", "Minimum", fiveMinutes),
                        prefix + "gateway-healthy-deployments",
                        "Fewer than " + settings.healthyDeploymentsAlarmPercent() + "% of the deployments are healthy.",
                        settings.healthyDeploymentsAlarmPercent(),
                        1,
                        1,
                        ComparisonOperator.LESS_THAN_THRESHOLD));
        return gateway;
    }

    /** A metric the router publishes with no dimension: one series for the whole stage. */
    private static Metric gatewayMetric(String name, String statistic, Duration period) {
        return Metric.Builder.create()
                .namespace(METRICS_NAMESPACE)
                .metricName(name)
                .statistic(statistic)
                .period(period)
                .build();
    }

    private void dashboard(
            Map<String, Alarm> gatewayAlarms,
            SluiceSettings settings,
            RouterFunction router,
            StreamingApi api,
            BillingAggregator aggregator,
            Metric requests,
            Metric serverErrors,
            Metric clientErrors,
            Metric iteratorAge,
            Metric failedBatches,
            Metric aggregatorErrors,
            Metric replayerErrors) {
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
        // The gateway's own view, each with its alarm's threshold.
        List<IWidget> gateway = new ArrayList<>();
        gatewayAlarms.forEach((title, alarm) -> {
            gateway.add(AlarmWidget.Builder.create()
                    .title(title)
                    .alarm(alarm)
                    .width(8)
                    .height(6)
                    .build());
        });
        dashboard.addWidgets(gateway.subList(0, 3).toArray(IWidget[]::new));
        dashboard.addWidgets(gateway.subList(3, gateway.size()).toArray(IWidget[]::new));
        List<IAlarm> alarmList = new ArrayList<>(alarms);
        dashboard.addWidgets(
                graph("Billing lag: iterator age (ms)", List.of(iteratorAge)),
                graph("Billing failures", List.of(failedBatches, aggregatorErrors, replayerErrors)),
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

    private Alarm alarm(
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
        return alarm;
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
