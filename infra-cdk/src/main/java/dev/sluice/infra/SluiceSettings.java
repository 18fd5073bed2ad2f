package dev.sluice.infra;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * Everything the CDK app reads from its context ({@code cdk.json} or {@code -c key=value}), read once in
 * {@link SluiceApp}. Nothing else reads context. Values given with {@code -c} arrive as strings, values in
 * {@code cdk.json} may be JSON booleans, numbers or arrays: both are accepted.
 *
 * @param stage                     names the stack ({@code Sluice-<stage>}), the secrets and the API stage
 * @param throwaway                 a stage whose data may go: no deletion protection, no point-in-time recovery,
 *                                  and tables, secrets and logs are deleted with the stack
 * @param providerSecrets           one empty Secrets Manager secret {@code sluice/<stage>/<name>} per entry
 * @param architecture              {@code arm64} or {@code x86_64}, for both functions and the adapter layer
 * @param routerAsset               the router bundle zip ({@code run.sh} + {@code lib/})
 * @param aggregatorAsset           the aggregator's shaded jar
 * @param lwaLayerArn               the Lambda Web Adapter layer; null picks AWS's layer for the stack's region
 * @param routerReservedConcurrency null leaves the router on the account's unreserved pool
 * @param bedrockModels             the model ARNs the router may invoke; empty grants the stack region's
 *                                  foundation models and the account's inference profiles there
 * @param alarmEmail                null: the alarm topic has no subscription
 * @param errorRateAlarmPercent     the gateway's own error rate (Errors / Requests) over 5 minutes that alarms
 * @param ttftP99AlarmMs            the p99 time to first token (5 minutes) above which the gateway alarms
 * @param cacheHitRateAlarmPercent  the response-cache hit rate (hits / lookups, 5 minutes) below which it alarms
 * @param healthyDeploymentsAlarmPercent the share of healthy deployments a router sees below which it alarms
 * @param adotLayerArn              the AWS Distro for OpenTelemetry collector layer for the router; null: no
 *                                  collector, the router exports no OpenTelemetry traces ({@code SLUICE_TRACES=off})
 * @param compute                   {@code lambda}: one request per execution environment, SnapStart (the default);
 *                                  {@code managed-instances}: the router on a Lambda Managed Instances capacity
 *                                  provider in a VPC of its own, many streams per execution environment
 * @param routerConcurrency         managed instances: the streams one execution environment serves at once
 *                                  ({@code PerExecutionEnvironmentMaxConcurrency}, 1-1600)
 * @param routerMemoryGiBPerVCpu    managed instances: memory per vCPU of an execution environment (2-8); the
 *                                  environment has {@code routerMemoryMb / 1024 / this} vCPUs
 * @param routerMaxVCpus            managed instances: the most vCPUs the capacity provider may run at once, across
 *                                  all its instances (the spending cap; 12-15000)
 * @param vpcId                     managed instances: an existing VPC to run the instances in instead of a new one;
 *                                  null creates one
 * @param subnetIds                 with {@code vpcId}: its private subnets with a route to the internet (1-16)
 */
public record SluiceSettings(
        String stage,
        boolean throwaway,
        List<String> providerSecrets,
        String architecture,
        String routerAsset,
        String aggregatorAsset,
        String lwaLayerArn,
        int routerMemoryMb,
        int routerTimeoutMinutes,
        Integer routerReservedConcurrency,
        int aggregatorMemoryMb,
        double apiThrottleRateLimit,
        int apiThrottleBurstLimit,
        boolean apiCloudWatchRole,
        boolean functionUrl,
        String functionUrlAuth,
        List<String> bedrockModels,
        String alarmEmail,
        double errorRateAlarmPercent,
        int ttftP99AlarmMs,
        double cacheHitRateAlarmPercent,
        double healthyDeploymentsAlarmPercent,
        String adotLayerArn,
        String compute,
        int routerConcurrency,
        double routerMemoryGiBPerVCpu,
        int routerMaxVCpus,
        String vpcId,
        List<String> subnetIds) {

    public static final String DEFAULT_STAGE = "dev";
    public static final List<String> DEFAULT_PROVIDER_SECRETS = List.of("openai", "anthropic", "gemini");
    public static final String ARM64 = "arm64";
    public static final String X86_64 = "x86_64";
    public static final String DEFAULT_ROUTER_ASSET = "../functions/router/target/sluice-router-lambda.zip";
    public static final String DEFAULT_AGGREGATOR_ASSET =
            "../functions/billing-aggregator/target/sluice-billing-aggregator-0.1.0-SNAPSHOT-lambda.jar";
    public static final int DEFAULT_ROUTER_MEMORY_MB = 1024;
    /** Lambda Managed Instances run functions of at least 2 GB; 4 GB at 2 GiB per vCPU is two vCPUs. */
    public static final int DEFAULT_MANAGED_ROUTER_MEMORY_MB = 4096;

    public static final String COMPUTE_LAMBDA = "lambda";
    public static final String COMPUTE_MANAGED_INSTANCES = "managed-instances";
    /**
     * Streams per execution environment: a cautious start, not a limit of the router. docs/SCALE.md's model allows far
     * more (a few CPU-ms per 10 s stream; ~1 MB each beside a ~300 MB base fits a 4 GiB environment many times over),
     * and every stream to an HTTP provider has an upstream connection of its own (the JDK client's HTTP/2, which put
     * them all on one connection and failed those beyond the server's limit of about 100, is no longer used). What
     * grows with it: two sockets per stream (the adapter's loopback connection and the upstream's), and the idle
     * connections kept per host ({@code http.maxConnections}, set from this). Raise it with
     * {@code -c routerConcurrency=N} once a load test on your instances agrees.
     */
    public static final int DEFAULT_ROUTER_CONCURRENCY = 64;

    public static final double DEFAULT_ROUTER_MEMORY_GIB_PER_VCPU = 2;
    /** 32 two-vCPU environments, about 2,000 concurrent streams at the default concurrency: a spending cap. */
    public static final int DEFAULT_ROUTER_MAX_VCPUS = 64;
    /** A stream may run as long as API Gateway lets it (15 minutes); the issue asks for at least 5. */
    public static final int DEFAULT_ROUTER_TIMEOUT_MINUTES = 15;

    public static final int DEFAULT_AGGREGATOR_MEMORY_MB = 512;
    public static final double DEFAULT_API_THROTTLE_RATE = 100;
    public static final int DEFAULT_API_THROTTLE_BURST = 200;
    public static final double DEFAULT_ERROR_RATE_ALARM_PERCENT = 1;
    public static final int DEFAULT_TTFT_P99_ALARM_MS = 5000;
    public static final double DEFAULT_CACHE_HIT_RATE_ALARM_PERCENT = 5;
    public static final double DEFAULT_HEALTHY_DEPLOYMENTS_ALARM_PERCENT = 50;

    /** The keys this record reads, in the order the README documents them. */
    public static final List<String> CONTEXT_KEYS = List.of(
            "stage",
            "throwaway",
            "providerSecrets",
            "architecture",
            "routerAsset",
            "aggregatorAsset",
            "lwaLayerArn",
            "routerMemoryMb",
            "routerTimeoutMinutes",
            "routerReservedConcurrency",
            "aggregatorMemoryMb",
            "apiThrottleRateLimit",
            "apiThrottleBurstLimit",
            "apiCloudWatchRole",
            "functionUrl",
            "functionUrlAuth",
            "bedrockModels",
            "alarmEmail",
            "errorRateAlarmPercent",
            "ttftP99AlarmMs",
            "cacheHitRateAlarmPercent",
            "healthyDeploymentsAlarmPercent",
            "adotLayerArn",
            "compute",
            "routerConcurrency",
            "routerMemoryGiBPerVCpu",
            "routerMaxVCpus",
            "vpcId",
            "subnetIds");

    private static final Pattern STAGE = Pattern.compile("[a-z][a-z0-9-]{0,19}");
    private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    public SluiceSettings {
        if (stage == null || !STAGE.matcher(stage).matches()) {
            throw new IllegalArgumentException("context stage must be 1-20 lower-case letters, digits or '-', "
                    + "starting with a letter; got " + stage);
        }
        providerSecrets = List.copyOf(providerSecrets);
        for (String name : providerSecrets) {
            if (!SECRET_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("context providerSecrets: '" + name
                        + "' is not a lower-case provider name (letters, digits, '-')");
            }
        }
        if (!ARM64.equals(architecture) && !X86_64.equals(architecture)) {
            throw new IllegalArgumentException("context architecture must be arm64 or x86_64; got " + architecture);
        }
        if (routerMemoryMb < 128 || routerMemoryMb > 10240 || aggregatorMemoryMb < 128 || aggregatorMemoryMb > 10240) {
            throw new IllegalArgumentException("function memory must be 128-10240 MB");
        }
        if (routerTimeoutMinutes < 5 || routerTimeoutMinutes > 15) {
            throw new IllegalArgumentException("context routerTimeoutMinutes must be 5-15 (streams need time; "
                    + "Lambda and API Gateway stop at 15); got " + routerTimeoutMinutes);
        }
        if (routerReservedConcurrency != null && routerReservedConcurrency < 1) {
            throw new IllegalArgumentException("context routerReservedConcurrency must be at least 1 when set");
        }
        if (apiThrottleRateLimit <= 0 || apiThrottleBurstLimit <= 0) {
            throw new IllegalArgumentException("API throttling limits must be positive");
        }
        if (!"AWS_IAM".equals(functionUrlAuth) && !"NONE".equals(functionUrlAuth)) {
            throw new IllegalArgumentException(
                    "context functionUrlAuth must be AWS_IAM or NONE; got " + functionUrlAuth);
        }
        for (double percent :
                List.of(errorRateAlarmPercent, cacheHitRateAlarmPercent, healthyDeploymentsAlarmPercent)) {
            if (percent <= 0 || percent > 100) {
                throw new IllegalArgumentException("context alarm percentages (errorRateAlarmPercent, "
                        + "cacheHitRateAlarmPercent, healthyDeploymentsAlarmPercent) must be above 0 and at most 100; "
                        + "got " + percent);
            }
        }
        if (ttftP99AlarmMs <= 0) {
            throw new IllegalArgumentException("context ttftP99AlarmMs must be positive; got " + ttftP99AlarmMs);
        }
        if (adotLayerArn != null && !adotLayerArn.startsWith("arn:")) {
            throw new IllegalArgumentException(
                    "context adotLayerArn takes a Lambda layer version ARN; got " + adotLayerArn);
        }
        bedrockModels = List.copyOf(bedrockModels);
        for (String arn : bedrockModels) {
            if (!arn.startsWith("arn:")) {
                throw new IllegalArgumentException(
                        "context bedrockModels takes model or inference-profile ARNs; got " + arn);
            }
        }
        if (!COMPUTE_LAMBDA.equals(compute) && !COMPUTE_MANAGED_INSTANCES.equals(compute)) {
            throw new IllegalArgumentException(
                    "context compute must be lambda (one request per execution environment) or managed-instances "
                            + "(many streams per environment on a capacity provider); got " + compute);
        }
        if (routerConcurrency < 1 || routerConcurrency > 1600) {
            throw new IllegalArgumentException(
                    "context routerConcurrency must be 1-1600 (streams per execution environment); got "
                            + routerConcurrency);
        }
        if (routerMemoryGiBPerVCpu < 2 || routerMemoryGiBPerVCpu > 8) {
            throw new IllegalArgumentException(
                    "context routerMemoryGiBPerVCpu must be 2-8; got " + routerMemoryGiBPerVCpu);
        }
        if (routerMaxVCpus < 12 || routerMaxVCpus > 15000) {
            throw new IllegalArgumentException("context routerMaxVCpus must be 12-15000; got " + routerMaxVCpus);
        }
        if (COMPUTE_MANAGED_INSTANCES.equals(compute)) {
            requireManagedInstancesFit(routerMemoryMb, routerMemoryGiBPerVCpu, routerReservedConcurrency);
        }
        subnetIds = List.copyOf(subnetIds);
        requireExistingVpcFits(compute, vpcId, subnetIds);
    }

    private static void requireExistingVpcFits(String compute, String vpcId, List<String> subnetIds) {
        if (vpcId == null) {
            if (!subnetIds.isEmpty()) {
                throw new IllegalArgumentException("context subnetIds takes subnets of the VPC in vpcId; set vpcId");
            }
            return;
        }
        if (!COMPUTE_MANAGED_INSTANCES.equals(compute)) {
            throw new IllegalArgumentException(
                    "context vpcId applies only with compute=managed-instances (the default compute needs no VPC)");
        }
        if (!vpcId.startsWith("vpc-")) {
            throw new IllegalArgumentException("context vpcId takes a VPC id (vpc-...); got " + vpcId);
        }
        if (subnetIds.isEmpty() || subnetIds.size() > 16) {
            throw new IllegalArgumentException("with context vpcId, context subnetIds must name 1-16 private subnets "
                    + "of that VPC (two or more Availability Zones recommended); got " + subnetIds.size());
        }
        for (String subnet : subnetIds) {
            if (!subnet.startsWith("subnet-")) {
                throw new IllegalArgumentException("context subnetIds takes subnet ids (subnet-...); got " + subnet);
            }
        }
    }

    private static void requireManagedInstancesFit(
            int routerMemoryMb, double memoryGiBPerVCpu, Integer routerReservedConcurrency) {
        double vCpus = routerMemoryMb / 1024.0 / memoryGiBPerVCpu;
        if (routerMemoryMb < 2048 || vCpus < 1 || vCpus != Math.rint(vCpus)) {
            throw new IllegalArgumentException("with compute=managed-instances, context routerMemoryMb must be at "
                    + "least 2048 and a whole number of vCPUs at routerMemoryGiBPerVCpu (" + memoryGiBPerVCpu
                    + " GiB each, e.g. 4096 for two at 2); got " + routerMemoryMb);
        }
        if (routerReservedConcurrency != null) {
            throw new IllegalArgumentException("context routerReservedConcurrency does not apply with "
                    + "compute=managed-instances (capacity is capped by routerMaxVCpus); leave it unset");
        }
    }

    /** Reads the settings from a context lookup such as {@code app.getNode()::tryGetContext}. */
    public static SluiceSettings fromContext(Function<String, Object> context) {
        Reader r = new Reader(context);
        String compute = r.string("compute", COMPUTE_LAMBDA).toLowerCase(Locale.ROOT);
        int defaultMemory =
                COMPUTE_MANAGED_INSTANCES.equals(compute) ? DEFAULT_MANAGED_ROUTER_MEMORY_MB : DEFAULT_ROUTER_MEMORY_MB;
        return new SluiceSettings(
                r.string("stage", DEFAULT_STAGE),
                r.bool("throwaway", false),
                r.list("providerSecrets", DEFAULT_PROVIDER_SECRETS),
                r.string("architecture", ARM64).toLowerCase(Locale.ROOT).replace("x86-64", X86_64),
                r.string("routerAsset", DEFAULT_ROUTER_ASSET),
                r.string("aggregatorAsset", DEFAULT_AGGREGATOR_ASSET),
                r.string("lwaLayerArn", null),
                r.integer("routerMemoryMb", defaultMemory),
                r.integer("routerTimeoutMinutes", DEFAULT_ROUTER_TIMEOUT_MINUTES),
                r.integer("routerReservedConcurrency", null),
                r.integer("aggregatorMemoryMb", DEFAULT_AGGREGATOR_MEMORY_MB),
                r.number("apiThrottleRateLimit", DEFAULT_API_THROTTLE_RATE),
                r.integer("apiThrottleBurstLimit", DEFAULT_API_THROTTLE_BURST),
                r.bool("apiCloudWatchRole", true),
                r.bool("functionUrl", false),
                r.string("functionUrlAuth", "AWS_IAM").toUpperCase(Locale.ROOT),
                r.list("bedrockModels", List.of()),
                r.string("alarmEmail", null),
                r.number("errorRateAlarmPercent", DEFAULT_ERROR_RATE_ALARM_PERCENT),
                r.integer("ttftP99AlarmMs", DEFAULT_TTFT_P99_ALARM_MS),
                r.number("cacheHitRateAlarmPercent", DEFAULT_CACHE_HIT_RATE_ALARM_PERCENT),
                r.number("healthyDeploymentsAlarmPercent", DEFAULT_HEALTHY_DEPLOYMENTS_ALARM_PERCENT),
                r.string("adotLayerArn", null),
                compute,
                r.integer("routerConcurrency", DEFAULT_ROUTER_CONCURRENCY),
                r.number("routerMemoryGiBPerVCpu", DEFAULT_ROUTER_MEMORY_GIB_PER_VCPU),
                r.integer("routerMaxVCpus", DEFAULT_ROUTER_MAX_VCPUS),
                r.string("vpcId", null),
                r.list("subnetIds", List.of()));
    }

    /** For tests and callers that hold the context as a map. */
    public static SluiceSettings fromContext(Map<String, ?> context) {
        return fromContext(context::get);
    }

    /** The router runs on a Lambda Managed Instances capacity provider ({@code compute=managed-instances}). */
    public boolean managedInstances() {
        return COMPUTE_MANAGED_INSTANCES.equals(compute);
    }

    /** Managed instances: the vCPUs of one execution environment (its memory over the memory per vCPU). */
    public int routerVCpus() {
        return (int) Math.round(routerMemoryMb / 1024.0 / routerMemoryGiBPerVCpu);
    }

    public boolean arm64() {
        return ARM64.equals(architecture);
    }

    public Architecture lambdaArchitecture() {
        return arm64() ? Architecture.ARM_64 : Architecture.X86_64;
    }

    /** Tables, secrets and logs: kept when the stack goes, unless the stage is a throwaway. */
    public RemovalPolicy dataRemovalPolicy() {
        return throwaway ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    }

    public String secretName(String provider) {
        return secretPrefix() + provider;
    }

    /** The router's {@code SLUICE_SECRET_PREFIX}: a route's {@code secretRef} {@code openai} names this + openai. */
    public String secretPrefix() {
        return "sluice/" + stage + "/";
    }

    public String stackName() {
        return "Sluice-" + stage;
    }

    private record Reader(Function<String, Object> context) {

        Object raw(String key) {
            Object value = context.apply(key);
            if (value instanceof String s && s.isBlank()) {
                return null;
            }
            return value;
        }

        String string(String key, String fallback) {
            Object value = raw(key);
            return value == null ? fallback : value.toString().strip();
        }

        boolean bool(String key, boolean fallback) {
            Object value = raw(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            String text = value.toString().strip().toLowerCase(Locale.ROOT);
            return switch (text) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default ->
                    throw new IllegalArgumentException("context " + key + " must be true or false; got " + value);
            };
        }

        Integer integer(String key, Integer fallback) {
            Object value = raw(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Number n) {
                return n.intValue();
            }
            try {
                return Integer.valueOf(value.toString().strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("context " + key + " must be a whole number; got " + value, e);
            }
        }

        double number(String key, double fallback) {
            Object value = raw(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            try {
                return Double.parseDouble(value.toString().strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("context " + key + " must be a number; got " + value, e);
            }
        }

        List<String> list(String key, List<String> fallback) {
            Object value = raw(key);
            if (value == null) {
                return fallback;
            }
            Collection<?> items = value instanceof Collection<?> c
                    ? c
                    : Arrays.asList(value.toString().split(","));
            List<String> result = new ArrayList<>();
            for (Object item : items) {
                String text = String.valueOf(item).strip();
                if (!text.isEmpty() && !result.contains(text)) {
                    result.add(text);
                }
            }
            return result;
        }
    }
}
