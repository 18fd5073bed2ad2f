package dev.sluice.usage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.health.DeploymentHealth;
import dev.sluice.json.Json;
import dev.sluice.usage.event.UsageEvent;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Publishes each usage event to its delegate (the usage stream), then writes it as one CloudWatch Embedded Metric
 * Format line to the function's log output, from which CloudWatch extracts metrics in namespace {@value #NAMESPACE},
 * once per tenant (dimension {@code Tenant}) and once for the whole gateway (no dimension, what the alarms watch):
 * {@code Requests}, {@code Errors}, {@code LatencyMs}, {@code TimeToFirstTokenMs}, {@code PromptTokens},
 * {@code CompletionTokens}, {@code CostMicros}, {@code CacheLookups} (hits and misses: requests that looked),
 * {@code CacheHits}, {@code CacheSavedMicros}, {@code Redactions}, and two gauges sampled at each request from this
 * instance's breakers: {@code OpenBreakers} (alarm on its maximum) and {@code HealthyDeploymentsPercent} (on its
 * minimum). The dashboard and alarms the CDK stack builds read them. No agent and no extra call: a line on stdout is
 * all EMF needs on Lambda. {@link PrometheusMetrics} is the same set for a plain server.
 */
public final class EmfMetricsPublisher implements UsagePublisher {
    public static final String NAMESPACE = "Sluice";

    private final UsagePublisher delegate;
    private final PrintStream out;

    private final Supplier<DeploymentHealth.Census> census;

    /** @param census the breakers as this instance knows them, sampled into each event's line */
    public EmfMetricsPublisher(UsagePublisher delegate, PrintStream out, Supplier<DeploymentHealth.Census> census) {
        this.delegate = delegate;
        this.out = out;
        this.census = census;
    }

    public EmfMetricsPublisher(UsagePublisher delegate, PrintStream out) {
        this(delegate, out, () -> DeploymentHealth.Census.NONE);
    }

    @Override
    public void publish(UsageEvent event) {
        try {
            delegate.publish(event);
        } finally {
            byte[] line = Json.write(emf(event, census.get()));
            out.println(new String(line, StandardCharsets.UTF_8)); // PrintStream is synchronized: one line each
        }
    }

    static ObjectNode emf(UsageEvent event) {
        return emf(event, DeploymentHealth.Census.NONE);
    }

    static ObjectNode emf(UsageEvent event, DeploymentHealth.Census breakers) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", event.timestampMs());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensions = directive.putArray("Dimensions");
        dimensions.addArray().add("Tenant");
        dimensions.addArray(); // the whole gateway: the alarms' metrics
        ArrayNode metrics = directive.putArray("Metrics");
        metrics.addObject().put("Name", "Requests").put("Unit", "Count");
        metrics.addObject().put("Name", "Errors").put("Unit", "Count");
        metrics.addObject().put("Name", "PromptTokens").put("Unit", "Count");
        metrics.addObject().put("Name", "CompletionTokens").put("Unit", "Count");
        metrics.addObject().put("Name", "CostMicros").put("Unit", "None");
        root.put("Tenant", event.tenantId());
        root.put("Requests", 1);
        root.put("Errors", event.isError() ? 1 : 0);
        root.put("PromptTokens", event.promptTokens());
        root.put("CompletionTokens", event.completionTokens());
        root.put("CostMicros", event.costMicros());
        metrics.addObject().put("Name", "CacheHits").put("Unit", "Count");
        metrics.addObject().put("Name", "CacheSavedMicros").put("Unit", "None");
        metrics.addObject().put("Name", "Redactions").put("Unit", "Count");
        root.put("CacheHits", event.cacheHit() ? 1 : 0);
        root.put("CacheSavedMicros", event.cacheSavedMicros());
        root.put("Redactions", event.redactions());
        metrics.addObject().put("Name", "LatencyMs").put("Unit", "Milliseconds");
        root.put("LatencyMs", event.latencyMs());
        metrics.addObject().put("Name", "CacheLookups").put("Unit", "Count");
        root.put("CacheLookups", lookedInCache(event.cacheResult()) ? 1 : 0);
        metrics.addObject().put("Name", "OpenBreakers").put("Unit", "Count");
        root.put("OpenBreakers", breakers.open());
        metrics.addObject().put("Name", "HealthyDeploymentsPercent").put("Unit", "Percent");
        root.put("HealthyDeploymentsPercent", breakers.healthyPercent());
        if (event.timeToFirstTokenMs() >= 0) {
            metrics.addObject().put("Name", "TimeToFirstTokenMs").put("Unit", "Milliseconds");
            root.put("TimeToFirstTokenMs", event.timeToFirstTokenMs());
        }
        // Properties, searchable in Logs Insights but not metrics (no dimension explosion).
        root.put("requestId", event.requestId());
        root.put("alias", event.alias());
        root.put("provider", event.provider());
        root.put("status", event.status());
        return root;
    }

    /** A hit (exact or semantic) or a miss; a bypass or no cache at all did not look. */
    static boolean lookedInCache(String cacheResult) {
        return cacheResult != null && !"bypass".equals(cacheResult);
    }
}
