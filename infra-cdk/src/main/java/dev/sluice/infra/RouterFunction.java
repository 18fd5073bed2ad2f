package dev.sluice.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.ILayerVersion;
import software.amazon.awscdk.services.lambda.LayerVersion;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * The router: the OpenAI-compatible HTTP server ({@code functions/router}) on the {@code java21} managed runtime,
 * behind the AWS Lambda Web Adapter, which turns each invocation into a loopback HTTP request and streams the
 * response back ({@code AWS_LWA_INVOKE_MODE=response_stream}). SnapStart snapshots published versions; the
 * {@code live} alias points at the version this deployment published, and everything that invokes the router
 * invokes the alias.
 */
public final class RouterFunction extends Construct {
    public static final String LIVE_ALIAS = "live";
    /** AWS publishes the Web Adapter layer from this account in every commercial region. */
    public static final String LWA_LAYER_ACCOUNT = "753240598075";
    /** Layer version 30 is adapter v1.1.0, the first with the SnapStart hooks this router relies on. */
    public static final int LWA_LAYER_VERSION = 30;

    public static final String SNAPSTART_BEFORE_CHECKPOINT_PATH = "/_sluice/snapstart/before-checkpoint";
    public static final String SNAPSTART_AFTER_RESTORE_PATH = "/_sluice/snapstart/after-restore";
    /** Where the ADOT collector extension receives OTLP over HTTP inside the execution environment. */
    public static final String ADOT_COLLECTOR_ENDPOINT = "http://127.0.0.1:4318";
    /** The router's own default {@code SLUICE_MAX_CONNECTIONS} ({@code ServerLimits}). */
    static final int DEFAULT_MAX_CONNECTIONS = 512;
    /** The router's own idle AWS SDK connections per host ({@code UrlConnectionPool}). */
    static final int DEFAULT_IDLE_AWS_CONNECTIONS = 256;

    private final Function function;
    private final Alias alias;
    private final RouterCapacity capacity;

    public RouterFunction(Construct scope, String id, SluiceSettings settings, SluiceData data) {
        super(scope, id);
        Stack stack = Stack.of(this);

        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        Function.Builder builder = Function.Builder.create(this, "Function")
                .description("Sluice router (" + settings.stage() + "): OpenAI-compatible gateway behind the "
                        + "Lambda Web Adapter, streaming")
                .runtime(Runtime.JAVA_21)
                .architecture(settings.lambdaArchitecture())
                .handler("run.sh")
                .code(LambdaCode.fromBuiltFile(settings.routerAsset(), "routerAsset"))
                .memorySize(settings.routerMemoryMb())
                .timeout(Duration.minutes(settings.routerTimeoutMinutes()))
                .tracing(Tracing.ACTIVE)
                .layers(layers(settings, stack))
                .environment(environment(data, settings))
                .logGroup(logs);
        if (settings.managedInstances()) {
            // No SnapStart (Lambda Managed Instances do not support it, and need it less: environments are started
            // before a version goes live and when the service scales, never on a request's path) and no reserved
            // concurrency (not supported there; routerMaxVCpus caps the capacity instead; settings reject it).
            function = builder.build();
            capacity = new RouterCapacity(this, "Capacity", settings);
            capacity.run(function, settings);
        } else {
            builder.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
            if (settings.routerReservedConcurrency() != null) {
                builder.reservedConcurrentExecutions(settings.routerReservedConcurrency());
            }
            function = builder.build();
            capacity = null;
            Annotations.of(function)
                    .acknowledgeWarning(
                            "@aws-cdk/aws-lambda:snapStartRequirePublish",
                            "the live alias points at the version published from the function's current "
                                    + "configuration");
        }

        alias = Alias.Builder.create(this, "LiveAlias")
                .aliasName(LIVE_ALIAS)
                .version(function.getCurrentVersion())
                .build();

        grantExactly(settings, data, stack);
    }

    /** The Web Adapter, and the ADOT collector (a Lambda extension, no exec wrapper) when one is configured. */
    private List<ILayerVersion> layers(SluiceSettings settings, Stack stack) {
        List<ILayerVersion> layers = new ArrayList<>();
        layers.add(LayerVersion.fromLayerVersionArn(
                this, "WebAdapterLayer", webAdapterLayerArn(settings, stack.getRegion())));
        if (settings.adotLayerArn() != null) {
            layers.add(LayerVersion.fromLayerVersionArn(this, "AdotCollectorLayer", settings.adotLayerArn()));
        }
        return layers;
    }

    /**
     * The adapter's settings; with SnapStart (the default compute), its bridge to the router's priming and restore
     * hooks.
     */
    static Map<String, String> adapterEnvironment(SluiceSettings settings) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_LAMBDA_EXEC_WRAPPER", "/opt/bootstrap");
        env.put("AWS_LWA_INVOKE_MODE", "response_stream");
        env.put("AWS_LWA_PORT", "8080");
        env.put("AWS_LWA_READINESS_CHECK_PATH", "/healthz");
        if (!settings.managedInstances()) {
            env.put("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", SNAPSTART_BEFORE_CHECKPOINT_PATH);
            env.put("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", SNAPSTART_AFTER_RESTORE_PATH);
        }
        return env;
    }

    /**
     * With {@code compute=managed-instances}, one router serves {@code routerConcurrency} streams for hours: sized
     * and tuned for that rather than for a one-request instance's cold start.
     */
    static Map<String, String> managedInstancesEnvironment(SluiceSettings settings) {
        Map<String, String> env = new LinkedHashMap<>();
        // The adapter opens a loopback connection per concurrent invocation and keeps idle ones for reuse: allow
        // twice the concurrency, since connections over the cap are closed unanswered (never below the default).
        env.put(
                "SLUICE_MAX_CONNECTIONS",
                Integer.toString(Math.max(DEFAULT_MAX_CONNECTIONS, 2 * settings.routerConcurrency())));
        // Replaces run.sh's cold-start flags (C1 only, serial GC): full tiered compilation and G1 across the
        // environment's vCPUs; and as many idle AWS SDK connections per host as streams may call DynamoDB at once.
        env.put(
                "SLUICE_JVM_OPTS",
                "-XX:+UseG1GC -Dhttp.maxConnections="
                        + Math.max(DEFAULT_IDLE_AWS_CONNECTIONS, 2 * settings.routerConcurrency()));
        // No SnapStart: prime JSON, TLS, the pipeline and the SDK before listening instead, so the environment is
        // warm before Lambda marks it ready and routes the first stream to it.
        env.put("SLUICE_PRIME_ON_START", "true");
        // One environment admits many streams of a key for hours: quota leases take admission off the request path
        // (LeasedQuotaLedger), where a one-request environment would strand a lease while frozen.
        env.put("SLUICE_QUOTA_LEASES", "on");
        return env;
    }

    private static Map<String, String> environment(SluiceData data, SluiceSettings settings) {
        Map<String, String> env = adapterEnvironment(settings);
        if (settings.managedInstances()) {
            env.putAll(managedInstancesEnvironment(settings));
        }
        env.put("SLUICE_KEYS_TABLE", data.keys().getTableName());
        env.put("SLUICE_TENANTS_TABLE", data.tenants().getTableName());
        env.put("SLUICE_USAGE_TABLE", data.usage().getTableName());
        env.put("SLUICE_ROUTES_TABLE", data.routes().getTableName());
        env.put("SLUICE_COUNTERS_TABLE", data.counters().getTableName());
        env.put("SLUICE_CACHE_TABLE", data.cache().getTableName());
        env.put("SLUICE_OUTBOX_TABLE", data.outbox().getTableName());
        env.put("SLUICE_AUDIT_TABLE", data.audit().getTableName());
        env.put("SLUICE_USAGE_STREAM", data.usageStream().getStreamName());
        // A route's secretRef ("openai") names the secret sluice/<stage>/openai; the router reads it on demand,
        // within the GetSecretValue grant below, so the same route files work in every stage.
        env.put("SLUICE_SECRET_PREFIX", settings.secretPrefix());
        // IP allowlists see the address API Gateway saw (its request context, forwarded by the Web Adapter).
        env.put("SLUICE_CLIENT_ADDRESS", "api-gateway");
        // Per-request metrics as EMF log lines (namespace Sluice, dimension Tenant): the dashboard's per-tenant
        // time to first token, tokens and cost.
        env.put("SLUICE_METRICS", "emf");
        // OpenTelemetry traces go to the ADOT collector extension on loopback (OTLP/HTTP), which forwards them to
        // X-Ray with the function's active-tracing permissions; without the collector, nothing is exported.
        if (settings.adotLayerArn() != null) {
            env.put("SLUICE_TRACES", "otlp");
            env.put("OTEL_EXPORTER_OTLP_ENDPOINT", ADOT_COLLECTOR_ENDPOINT);
            env.put("OTEL_SERVICE_NAME", "sluice-router");
        } else {
            env.put("SLUICE_TRACES", "off");
        }
        return env;
    }

    static String webAdapterLayerArn(SluiceSettings settings, String region) {
        if (settings.lwaLayerArn() != null) {
            return settings.lwaLayerArn();
        }
        String layer = settings.arm64() ? "LambdaAdapterLayerArm64" : "LambdaAdapterLayerX86";
        return "arn:aws:lambda:" + region + ":" + LWA_LAYER_ACCOUNT + ":layer:" + layer + ":" + LWA_LAYER_VERSION;
    }

    /**
     * Exactly the calls the router makes: a key is read by its hash (GetItem, never a Scan that could list every
     * tenant's keys) and its tenant by id, routes by alias and listed for {@code /v1/models} (GetItem, Scan), counters are incremented
     * with a conditional UpdateItem, deployment health items are read and written (GetItem, PutItem), usage events go to the stream with PutRecords, credentials are read from the
     * stack's secrets, and Bedrock models are invoked with the function's own role.
     */
    private void grantExactly(SluiceSettings settings, SluiceData data, Stack stack) {
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ReadKeys")
                .actions(List.of("dynamodb:GetItem"))
                .resources(List.of(data.keys().getTableArn()))
                .build());
        // The management API (/sluice/v1): an admin key creates and revokes its tenant's keys (PutItem on the keys
        // table, Query on its two indexes) and reads its tenant's usage rows (Query on the usage table).
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ManageKeys")
                .actions(List.of("dynamodb:PutItem", "dynamodb:Query"))
                .resources(List.of(
                        data.keys().getTableArn(),
                        data.keys().getTableArn() + "/index/" + SluiceData.KEYS_BY_TENANT,
                        data.keys().getTableArn() + "/index/" + SluiceData.KEYS_BY_ID))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ReadTenantUsage")
                .actions(List.of("dynamodb:Query"))
                .resources(List.of(data.usage().getTableArn()))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ReadSessionSigningKey")
                .actions(List.of("secretsmanager:GetSecretValue"))
                .resources(List.of(data.sessionSigning().getSecretArn()))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ReadTenants")
                .actions(List.of("dynamodb:GetItem"))
                .resources(List.of(data.tenants().getTableArn()))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ReadRoutes")
                .actions(List.of("dynamodb:GetItem", "dynamodb:Scan"))
                .resources(List.of(data.routes().getTableArn()))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("CountRequests")
                .actions(List.of("dynamodb:UpdateItem"))
                .resources(List.of(data.counters().getTableArn()))
                .build());
        // Circuit breakers share their transitions through one health item per deployment in the counters table:
        // read through a short cache (GetItem), written whole on a transition (PutItem), statistics by UpdateItem.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ShareDeploymentHealth")
                .actions(List.of("dynamodb:GetItem", "dynamodb:PutItem"))
                .resources(List.of(data.counters().getTableArn()))
                .build());
        // The response cache: an answer read by its key (GetItem) and stored whole (PutItem); the semantic cache's
        // index reads its buckets together (BatchGetItem) and adds an entry to each (UpdateItem). Never a Scan.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ResponseCache")
                .actions(
                        List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"))
                .resources(List.of(data.cache().getTableArn()))
                .build());
        // A usage event the stream did not take is parked in the outbox (PutItem) for the replayer; nothing else.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ParkUsage")
                .actions(List.of("dynamodb:PutItem"))
                .resources(List.of(data.outbox().getTableArn()))
                .build());
        // Management actions are appended to the audit log (PutItem) and read back by day (Query).
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("AuditLog")
                .actions(List.of("dynamodb:PutItem", "dynamodb:Query"))
                .resources(List.of(data.audit().getTableArn()))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("PublishUsage")
                .actions(List.of("kinesis:PutRecords"))
                .resources(List.of(data.usageStream().getStreamArn()))
                .build());
        List<String> secretArns = new ArrayList<>();
        for (Secret secret : data.providerSecrets().values()) {
            secretArns.add(secret.getSecretArn());
        }
        if (!secretArns.isEmpty()) {
            function.addToRolePolicy(PolicyStatement.Builder.create()
                    .sid("ReadProviderSecrets")
                    .actions(List.of("secretsmanager:GetSecretValue"))
                    .resources(secretArns)
                    .build());
        }
        // The guard's second engine: a route or tenant names a guardrail of this account (any region: the policy may
        // name the guardrail's region) in data, so the grant is this account's guardrails, not one id.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("ApplyBedrockGuardrails")
                .actions(List.of("bedrock:ApplyGuardrail"))
                .resources(List.of(stack.formatArn(ArnComponents.builder()
                        .service("bedrock")
                        .region("*")
                        .resource("guardrail")
                        .resourceName("*")
                        .arnFormat(ArnFormat.SLASH_RESOURCE_NAME)
                        .build())))
                .build());
        List<String> bedrockActions = List.of("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream");
        if (!settings.bedrockModels().isEmpty()) {
            function.addToRolePolicy(PolicyStatement.Builder.create()
                    .sid("InvokeBedrockModels")
                    .actions(bedrockActions)
                    .resources(settings.bedrockModels())
                    .build());
            return;
        }
        // Model ids are route data, not known at deploy time: the default grants the region's foundation models
        // and this account's inference profiles there (the only resource wildcards in the stack, documented).
        String inferenceProfiles = stack.formatArn(ArnComponents.builder()
                .service("bedrock")
                .resource("inference-profile")
                .resourceName("*")
                .arnFormat(ArnFormat.SLASH_RESOURCE_NAME)
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("InvokeBedrockModels")
                .actions(bedrockActions)
                .resources(List.of(
                        stack.formatArn(ArnComponents.builder()
                                .service("bedrock")
                                .account("")
                                .resource("foundation-model")
                                .resourceName("*")
                                .arnFormat(ArnFormat.SLASH_RESOURCE_NAME)
                                .build()),
                        inferenceProfiles))
                .build());
        // A cross-region inference profile (us.anthropic..., eu....) runs the model in another region of its
        // geography; IAM checks the foundation model there too. Allowed only through this account's profiles.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("InvokeBedrockModelsThroughInferenceProfiles")
                .actions(bedrockActions)
                .resources(List.of(stack.formatArn(ArnComponents.builder()
                        .service("bedrock")
                        .region("*")
                        .account("")
                        .resource("foundation-model")
                        .resourceName("*")
                        .arnFormat(ArnFormat.SLASH_RESOURCE_NAME)
                        .build())))
                .conditions(Map.of("StringLike", Map.of("bedrock:InferenceProfileArn", inferenceProfiles)))
                .build());
    }

    public Function function() {
        return function;
    }

    /** What API Gateway, the optional Function URL and the alarms point at. */
    public Alias alias() {
        return alias;
    }

    /** The capacity provider and its VPC; null unless {@code compute=managed-instances}. */
    public RouterCapacity capacity() {
        return capacity;
    }
}
