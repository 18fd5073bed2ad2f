package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class RouterFunctionTest {

    private static Map<String, Object> router(Template template) {
        return Templates.router(template);
    }

    @Test
    void router_runsOnJava21_arm64_behindTheAdapterScript() {
        Map<String, Object> router = router(Templates.defaults());

        assertThat(router.get("Runtime")).isEqualTo("java21");
        assertThat(router.get("Architectures")).isEqualTo(List.of("arm64"));
        assertThat(router.get("Handler")).isEqualTo("run.sh");
    }

    @Test
    void router_snapStartsPublishedVersions() {
        assertThat(router(Templates.defaults()).get("SnapStart")).isEqualTo(Map.of("ApplyOn", "PublishedVersions"));
    }

    @Test
    void liveAlias_pointsAtTheVersionThisDeploymentPublished() {
        Template template = Templates.defaults();
        String function = Templates.functionId(template, "run.sh");
        String version = Templates.logicalId(template, "AWS::Lambda::Version", "FunctionName", Templates.ref(function));

        Map<String, Object> alias = Templates.properties(Templates.resource(
                template,
                Templates.logicalId(template, "AWS::Lambda::Alias", "FunctionName", Templates.ref(function))));

        assertThat(alias.get("Name")).isEqualTo("live");
        assertThat(alias.get("FunctionVersion")).isEqualTo(Map.of("Fn::GetAtt", List.of(version, "Version")));
    }

    @Test
    void webAdapterLayer_isAwsLayerForTheStackRegion_v30() {
        assertThat(router(Templates.defaults()).get("Layers"))
                .isEqualTo(List.of(Map.of(
                        "Fn::Join",
                        List.of(
                                "",
                                List.of(
                                        "arn:aws:lambda:",
                                        Map.of("Ref", "AWS::Region"),
                                        ":753240598075:layer:LambdaAdapterLayerArm64:30")))));
    }

    @Test
    void x86_64_switchesBothTheFunctionAndTheLayer() {
        Map<String, Object> router = router(Templates.with(Map.of("architecture", "x86_64")));

        assertThat(router.get("Architectures")).isEqualTo(List.of("x86_64"));
        assertThat(String.valueOf(router.get("Layers"))).contains(":layer:LambdaAdapterLayerX86:30");
    }

    @Test
    void lwaLayerArnContext_replacesTheDefault() {
        String arn = "arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerArm64:31";

        assertThat(router(Templates.with(Map.of("lwaLayerArn", arn))).get("Layers"))
                .isEqualTo(List.of(arn));
    }

    @Test
    void environment_configuresTheAdapterForStreaming_andTheSnapStartHooks() {
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>)
                ((Map<String, Object>) router(Templates.defaults()).get("Environment")).get("Variables");

        assertThat(env)
                .containsEntry("AWS_LAMBDA_EXEC_WRAPPER", "/opt/bootstrap")
                .containsEntry("AWS_LWA_INVOKE_MODE", "response_stream")
                .containsEntry("AWS_LWA_PORT", "8080")
                .containsEntry("AWS_LWA_READINESS_CHECK_PATH", "/healthz")
                .containsEntry("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/_sluice/snapstart/before-checkpoint")
                .containsEntry("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/_sluice/snapstart/after-restore");
    }

    @Test
    void environment_namesTheStacksTablesAndStream_neverConstants() {
        Template template = Templates.defaults();
        @SuppressWarnings("unchecked")
        Map<String, Object> env =
                (Map<String, Object>) ((Map<String, Object>) router(template).get("Environment")).get("Variables");

        assertThat(env)
                .containsEntry("SLUICE_KEYS_TABLE", Templates.ref(Templates.table(template, "keyHash")))
                .containsEntry("SLUICE_ROUTES_TABLE", Templates.ref(Templates.table(template, "alias")))
                .containsEntry("SLUICE_COUNTERS_TABLE", Templates.ref(Templates.table(template, "counter")))
                .containsEntry("SLUICE_CACHE_TABLE", Templates.ref(Templates.table(template, "cacheKey")))
                .containsEntry("SLUICE_TENANTS_TABLE", Templates.ref(Templates.table(template, "tenantId")))
                .containsEntry("SLUICE_OUTBOX_TABLE", Templates.ref(Templates.table(template, "eventId")))
                .containsEntry("SLUICE_AUDIT_TABLE", Templates.ref(Templates.table(template, "day")))
                .containsEntry("SLUICE_CLIENT_ADDRESS", "api-gateway")
                .containsEntry("SLUICE_SECRET_PREFIX", "sluice/dev/")
                .containsEntry("SLUICE_METRICS", "emf")
                .containsEntry("SLUICE_USAGE_STREAM", Templates.ref(Templates.only(template, "AWS::Kinesis::Stream")))
                .doesNotContainKeys("SLUICE_TABLE_PREFIX", "SLUICE_DYNAMODB_ENDPOINT", "SLUICE_KINESIS_ENDPOINT");
    }

    private static Map<String, Object> environment(Map<String, Object> router) {
        return Templates.environment(router);
    }

    @Test
    void router_tracesActivelyWithXRay() {
        assertThat(router(Templates.defaults()).get("TracingConfig")).isEqualTo(Map.of("Mode", "Active"));
    }

    @Test
    void withoutAdotLayer_theRouterExportsNoTraces() {
        Map<String, Object> router = router(Templates.defaults());

        assertThat(environment(router))
                .containsEntry("SLUICE_TRACES", "off")
                .doesNotContainKeys("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME");
        assertThat((List<?>) router.get("Layers")).hasSize(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void adotLayerArn_addsTheCollector_andPointsOtlpAtIt() {
        String adot = "arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1";

        Map<String, Object> router = router(Templates.with(Map.of("adotLayerArn", adot)));

        assertThat((List<Object>) router.get("Layers")).hasSize(2).endsWith(adot);
        assertThat(environment(router))
                .containsEntry("SLUICE_TRACES", "otlp")
                .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
                .containsEntry("OTEL_SERVICE_NAME", "sluice-router")
                .containsEntry("AWS_LAMBDA_EXEC_WRAPPER", "/opt/bootstrap");
    }

    @Test
    void memoryAndTimeout_fitStreaming() {
        Map<String, Object> router = router(Templates.defaults());

        assertThat(router.get("MemorySize")).isEqualTo(1024);
        assertThat(((Number) router.get("Timeout")).intValue()).isEqualTo(900).isGreaterThanOrEqualTo(300);
        assertThat(router(Templates.with(Map.of("routerMemoryMb", "2048", "routerTimeoutMinutes", "5"))))
                .containsEntry("MemorySize", 2048)
                .containsEntry("Timeout", 300);
    }

    @Test
    void reservedConcurrency_onlyWhenAsked() {
        assertThat(router(Templates.defaults())).doesNotContainKey("ReservedConcurrentExecutions");
        Templates.with(Map.of("routerReservedConcurrency", "25"))
                .hasResourceProperties(
                        "AWS::Lambda::Function",
                        Match.objectLike(Map.of("Handler", "run.sh", "ReservedConcurrentExecutions", 25)));
    }

    @Test
    void defaultCompute_keepsTheColdStartFlags_andSnapStartHooks() {
        Map<String, Object> env = environment(router(Templates.defaults()));

        assertThat(env)
                .doesNotContainKeys(
                        "SLUICE_JVM_OPTS", "SLUICE_MAX_CONNECTIONS", "SLUICE_PRIME_ON_START", "SLUICE_QUOTA_LEASES");
    }

    @Test
    void managedInstances_tuneTheRouterForManyStreams_andPrimeBeforeListening() {
        Map<String, Object> env = environment(router(Templates.with(Map.of("compute", "managed-instances"))));

        assertThat(env)
                .as("64 streams per environment: the JDK server's connection cap stays at its default of 512")
                .containsEntry("SLUICE_MAX_CONNECTIONS", "512")
                .containsEntry("SLUICE_JVM_OPTS", "-XX:+UseG1GC -Dhttp.maxConnections=256")
                .containsEntry("SLUICE_PRIME_ON_START", "true")
                .containsEntry("SLUICE_QUOTA_LEASES", "on")
                .containsEntry("AWS_LWA_INVOKE_MODE", "response_stream")
                .containsEntry("AWS_LWA_READINESS_CHECK_PATH", "/healthz")
                .containsEntry("SLUICE_METRICS", "emf");
    }
}
