package dev.sluice.trace;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry traces of the request path: one server span per API request (continuing the caller's W3C
 * {@code traceparent}), and a child span per stage — {@code auth}, {@code route}, {@code admit}, {@code cache}, each
 * upstream attempt ({@code chat <provider>}, with the GenAI semantic-convention attributes and a {@code first_token}
 * event), {@code settle} and {@code publish}.
 *
 * <p>Stages find their tracer through {@link GlobalOpenTelemetry}, OpenTelemetry's own convention for instrumented
 * code: until a process {@linkplain #install installs} an SDK it is a no-op, so a stage costs a few allocations and
 * no clock reads. {@code SLUICE_TRACES} chooses the export: {@code off} (the default), {@code log} (one JSON line per
 * span on the {@code dev.sluice.trace} logger: the dev stack's choice) or {@code otlp} (OTLP over HTTP to {@code
 * OTEL_EXPORTER_OTLP_ENDPOINT}, default {@code http://127.0.0.1:4318}: the ADOT collector layer on Lambda, which
 * forwards to X-Ray, or any collector). OTLP spans are batched off the request path and flushed after each response
 * ({@link #flush}), because Lambda may freeze the instance between requests.
 */
public final class Tracing implements AutoCloseable {
    public static final String INSTRUMENTATION = "dev.sluice";
    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
    private static final Tracing OFF = new Tracing(null);
    private static final Duration FLUSH_WAIT = Duration.ofMillis(500);

    public static final AttributeKey<String> GEN_AI_SYSTEM = AttributeKey.stringKey("gen_ai.system");
    public static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");

    private static final TextMapGetter<Map<String, List<String>>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, List<String>> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, List<String>> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            for (Map.Entry<String, List<String>> header : carrier.entrySet()) {
                if (header.getKey() != null && header.getKey().equalsIgnoreCase(key)) {
                    return header.getValue().isEmpty()
                            ? null
                            : header.getValue().getFirst();
                }
            }
            return null;
        }
    };

    /** The SDK's tracer provider when installed; null when tracing is off. */
    private final SdkTracerProvider sdk;

    private Tracing(SdkTracerProvider sdk) {
        this.sdk = sdk;
    }

    /** What {@code SLUICE_TRACES} asks for. */
    public enum Export {
        OFF,
        LOG,
        OTLP;

        static Export fromEnvironment(Map<String, String> env) {
            String value = env.getOrDefault("SLUICE_TRACES", "off").strip().toUpperCase(Locale.ROOT);
            try {
                return valueOf(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SLUICE_TRACES must be off, log or otlp, not " + value, e);
            }
        }
    }

    /**
     * Installs the SDK this environment asks for as the process's OpenTelemetry, once per process: a second call (a
     * second dev stack in one JVM) keeps the first one's and returns a handle that flushes it.
     */
    public static synchronized Tracing install(Map<String, String> env, String defaultServiceName) {
        Export export = Export.fromEnvironment(env);
        if (export == Export.OFF) {
            return OFF;
        }
        if (installed != null) {
            return installed;
        }
        SpanProcessor processor = export == Export.LOG
                ? SimpleSpanProcessor.create(new LogSpanExporter())
                : BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                .setEndpoint(env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
                                                .replaceAll("/+$", "")
                                        + "/v1/traces")
                                .setTimeout(Duration.ofSeconds(2))
                                .build())
                        .setScheduleDelay(Duration.ofSeconds(1))
                        .build();
        String service = env.getOrDefault("OTEL_SERVICE_NAME", defaultServiceName);
        SdkTracerProvider sdk = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
                .addSpanProcessor(processor)
                .build();
        try {
            GlobalOpenTelemetry.set(tracesOnly(sdk));
        } catch (IllegalStateException alreadySet) {
            // GlobalOpenTelemetry.get() ran first (a stage in an earlier pipeline of this JVM, or another library)
            LOG.warn("OpenTelemetry was in use before Sluice installed its SDK: traces stay off in this process");
            sdk.close();
            return OFF;
        }
        installed = new Tracing(sdk);
        LOG.info("traces: {} as service {}", export.name().toLowerCase(Locale.ROOT), service);
        return installed;
    }

    private static Tracing installed;

    /** Tracing off: nothing to flush. */
    public static Tracing off() {
        return OFF;
    }

    /** Sends the spans ended so far, waiting at most half a second; a no-op without an SDK. */
    public void flush() {
        if (sdk != null) {
            sdk.forceFlush().join(FLUSH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Sends what is left and stops; the process may install again afterwards. */
    @Override
    public void close() {
        synchronized (Tracing.class) {
            if (installed == this) {
                installed = null;
            }
        }
        if (sdk != null) {
            sdk.shutdown().join(FLUSH_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * An {@link OpenTelemetry} of traces alone, with W3C propagation; the full SDK's entry point would bring metrics
     * and logs SDKs the gateway does not use.
     */
    private static OpenTelemetry tracesOnly(SdkTracerProvider provider) {
        ContextPropagators propagators = ContextPropagators.create(W3CTraceContextPropagator.getInstance());
        return new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return provider;
            }

            @Override
            public ContextPropagators getPropagators() {
                return propagators;
            }
        };
    }

    static Tracer tracer() {
        return GlobalOpenTelemetry.getTracer(INSTRUMENTATION);
    }

    /**
     * The server span of one API request, continuing the caller's {@code traceparent} when it sent one; the caller
     * makes it current for the request's thread and ends it.
     */
    public static Span serverSpan(String method, String path, Map<String, List<String>> headers) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
        return tracer().spanBuilder(method + " " + path)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", path)
                .startSpan();
    }

    /** A stage's span, a child of the current one; the caller ends it. */
    public static Span start(String name) {
        return tracer().spanBuilder(name).startSpan();
    }

    /** Runs one stage in its own span, marked as an error when it throws. */
    public static <T> T inSpan(String name, Supplier<T> stage) {
        Span span = start(name);
        try (Scope ignored = span.makeCurrent()) {
            return stage.get();
        } catch (RuntimeException e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Runs one stage without a result in its own span. */
    public static void inSpan(String name, Runnable stage) {
        inSpan(name, () -> {
            stage.run();
            return null;
        });
    }

    /** Marks the span failed with the failure's kind (never its message: it may quote the request). */
    public static void failed(Span span, Throwable failure) {
        span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
    }

    /** The current trace's id for a log line, or null outside a sampled trace. */
    public static String currentTraceId() {
        var context = Span.current().getSpanContext();
        return context.isValid() ? context.getTraceId() : null;
    }
}
