package dev.sluice.trace;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spans as log lines, for the dev stack and anywhere without a collector: one line per span on the {@code
 * dev.sluice.trace} logger, whose message is the span as JSON (trace and span ids, parent, name, kind, start, duration
 * in microseconds, status, attributes, events). OpenTelemetry's own logging exporter writes through {@code
 * java.util.logging} in a format of its own; this one goes through the gateway's JSON log lines.
 */
final class LogSpanExporter implements SpanExporter {
    private static final Logger SPANS = LoggerFactory.getLogger("dev.sluice.trace");

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        for (SpanData span : spans) {
            SPANS.info(new String(Json.write(toJson(span)), StandardCharsets.UTF_8));
        }
        return CompletableResultCode.ofSuccess();
    }

    static ObjectNode toJson(SpanData span) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("traceId", span.getTraceId());
        json.put("spanId", span.getSpanId());
        if (span.getParentSpanContext().isValid()) {
            json.put("parentSpanId", span.getParentSpanId());
        }
        json.put("name", span.getName());
        json.put("kind", span.getKind().name());
        json.put("startEpochMicros", TimeUnit.NANOSECONDS.toMicros(span.getStartEpochNanos()));
        json.put("durationMicros", TimeUnit.NANOSECONDS.toMicros(span.getEndEpochNanos() - span.getStartEpochNanos()));
        json.put("status", span.getStatus().getStatusCode().name());
        if (!span.getStatus().getDescription().isEmpty()) {
            json.put("statusDescription", span.getStatus().getDescription());
        }
        ObjectNode attributes = json.putObject("attributes");
        span.getAttributes().forEach((key, value) -> attributes.putPOJO(key.getKey(), value));
        if (!span.getEvents().isEmpty()) {
            var events = json.putArray("events");
            for (EventData event : span.getEvents()) {
                events.addObject()
                        .put("name", event.getName())
                        .put(
                                "offsetMicros",
                                TimeUnit.NANOSECONDS.toMicros(event.getEpochNanos() - span.getStartEpochNanos()));
            }
        }
        return json;
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
