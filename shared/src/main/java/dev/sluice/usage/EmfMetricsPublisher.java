package dev.sluice.usage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.usage.event.UsageEvent;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Publishes each usage event to its delegate (the usage stream), then writes it as one CloudWatch Embedded Metric
 * Format line to the function's log output, from which CloudWatch extracts metrics in namespace {@value #NAMESPACE}
 * with dimension {@code Tenant}: {@code Requests}, {@code Errors}, {@code TimeToFirstTokenMs}, {@code PromptTokens},
 * {@code CompletionTokens}, {@code CostMicros}. The dashboard the CDK stack builds reads them. No agent and no extra
 * call: a line on stdout is all EMF needs on Lambda.
 */
public final class EmfMetricsPublisher implements UsagePublisher {
    public static final String NAMESPACE = "Sluice";

    private final UsagePublisher delegate;
    private final PrintStream out;

    public EmfMetricsPublisher(UsagePublisher delegate, PrintStream out) {
        this.delegate = delegate;
        this.out = out;
    }

    @Override
    public void publish(UsageEvent event) {
        try {
            delegate.publish(event);
        } finally {
            byte[] line = Json.write(emf(event));
            out.println(new String(line, StandardCharsets.UTF_8)); // PrintStream is synchronized: one line each
        }
    }

    static ObjectNode emf(UsageEvent event) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", event.timestampMs());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        directive.putArray("Dimensions").addArray().add("Tenant");
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
}
