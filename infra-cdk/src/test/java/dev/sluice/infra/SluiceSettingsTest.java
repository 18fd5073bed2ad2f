package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awscdk.RemovalPolicy;

class SluiceSettingsTest {

    @Test
    void defaults_areADevStage_onArm64_keepingItsData() {
        SluiceSettings settings = SluiceSettings.fromContext(Map.of());

        assertThat(settings.stage()).isEqualTo("dev");
        assertThat(settings.stackName()).isEqualTo("Sluice-dev");
        assertThat(settings.throwaway()).isFalse();
        assertThat(settings.dataRemovalPolicy()).isEqualTo(RemovalPolicy.RETAIN);
        assertThat(settings.providerSecrets()).containsExactly("openai", "anthropic", "gemini");
        assertThat(settings.architecture()).isEqualTo("arm64");
        assertThat(settings.routerAsset()).isEqualTo("../functions/router/target/sluice-router-lambda.zip");
        assertThat(settings.lwaLayerArn()).isNull();
        assertThat(settings.routerMemoryMb()).isEqualTo(1024);
        assertThat(settings.routerTimeoutMinutes()).isEqualTo(15);
        assertThat(settings.routerReservedConcurrency()).isNull();
        assertThat(settings.functionUrl()).isFalse();
        assertThat(settings.bedrockModels()).isEmpty();
        assertThat(settings.alarmEmail()).isNull();
        assertThat(settings.errorRateAlarmPercent()).isEqualTo(1);
        assertThat(settings.ttftP99AlarmMs()).isEqualTo(5000);
        assertThat(settings.cacheHitRateAlarmPercent()).isEqualTo(5);
        assertThat(settings.healthyDeploymentsAlarmPercent()).isEqualTo(50);
        assertThat(settings.adotLayerArn()).isNull();
        assertThat(settings.compute()).isEqualTo("lambda");
        assertThat(settings.managedInstances()).isFalse();
    }

    @Test
    void managedInstances_defaultToTwoVCpuEnvironments_of64Streams_cappedAt64VCpus() {
        SluiceSettings settings = SluiceSettings.fromContext(Map.of("compute", "Managed-Instances"));

        assertThat(settings.managedInstances()).isTrue();
        assertThat(settings.routerMemoryMb()).isEqualTo(4096);
        assertThat(settings.routerMemoryGiBPerVCpu()).isEqualTo(2);
        assertThat(settings.routerVCpus()).isEqualTo(2);
        assertThat(settings.routerConcurrency()).isEqualTo(64);
        assertThat(settings.routerMaxVCpus()).isEqualTo(64);
    }

    @Test
    void managedInstances_takeTheirSizesFromContext() {
        SluiceSettings settings = SluiceSettings.fromContext(Map.of(
                "compute",
                "managed-instances",
                "routerMemoryMb",
                "8192",
                "routerMemoryGiBPerVCpu",
                "2",
                "routerConcurrency",
                "512",
                "routerMaxVCpus",
                "400"));

        assertThat(settings.routerVCpus()).isEqualTo(4);
        assertThat(settings.routerConcurrency()).isEqualTo(512);
        assertThat(settings.routerMaxVCpus()).isEqualTo(400);
    }

    @Test
    void existingVpc_takesItsPrivateSubnets_andOnlyWithManagedInstances() {
        SluiceSettings settings = SluiceSettings.fromContext(
                Map.of("compute", "managed-instances", "vpcId", "vpc-0123", "subnetIds", "subnet-a1, subnet-b2"));

        assertThat(settings.vpcId()).isEqualTo("vpc-0123");
        assertThat(settings.subnetIds()).containsExactly("subnet-a1", "subnet-b2");
        assertThatThrownBy(() -> SluiceSettings.fromContext(Map.of("vpcId", "vpc-0123", "subnetIds", "subnet-a1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context vpcId applies only with compute=managed-instances");
        assertThatThrownBy(() -> SluiceSettings.fromContext(
                        Map.of("compute", "managed-instances", "vpcId", "vpc-0123", "subnetIds", "subnet-a1,sg-123")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context subnetIds takes subnet ids (subnet-...); got sg-123");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "routerMemoryMb|1024|routerMemoryMb must be at least 2048",
                "routerMemoryMb|3072|a whole number of vCPUs",
                "routerReservedConcurrency|10|routerReservedConcurrency does not apply with compute=managed-instances",
                "routerConcurrency|0|context routerConcurrency must be 1-1600",
                "routerConcurrency|1601|context routerConcurrency must be 1-1600",
                "routerMemoryGiBPerVCpu|1|context routerMemoryGiBPerVCpu must be 2-8",
                "routerMemoryGiBPerVCpu|9|context routerMemoryGiBPerVCpu must be 2-8",
                "routerMaxVCpus|11|context routerMaxVCpus must be 12-15000",
                "routerMaxVCpus|15001|context routerMaxVCpus must be 12-15000",
                "vpcId|vpc-0123|context subnetIds must name 1-16 private subnets",
                "vpcId|my-vpc|context vpcId takes a VPC id",
                "subnetIds|subnet-0123|context subnetIds takes subnets of the VPC in vpcId; set vpcId"
            })
    void managedInstances_rejectWhatTheServiceDoesNotRun(String key, String value, String message) {
        assertThatThrownBy(() -> SluiceSettings.fromContext(Map.of("compute", "managed-instances", key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void commandLineContext_arrivesAsStrings() {
        SluiceSettings settings = SluiceSettings.fromContext(Map.of(
                "stage",
                "prod",
                "throwaway",
                "true",
                "providerSecrets",
                " openai , groq ,openai",
                "routerMemoryMb",
                "2048",
                "routerReservedConcurrency",
                "50",
                "apiThrottleRateLimit",
                "12.5",
                "functionUrl",
                "yes",
                "functionUrlAuth",
                "none",
                "architecture",
                "X86_64"));

        assertThat(settings.secretName("groq")).isEqualTo("sluice/prod/groq");
        assertThat(settings.dataRemovalPolicy()).isEqualTo(RemovalPolicy.DESTROY);
        assertThat(settings.providerSecrets()).containsExactly("openai", "groq");
        assertThat(settings.routerMemoryMb()).isEqualTo(2048);
        assertThat(settings.routerReservedConcurrency()).isEqualTo(50);
        assertThat(settings.apiThrottleRateLimit()).isEqualTo(12.5);
        assertThat(settings.functionUrl()).isTrue();
        assertThat(settings.functionUrlAuth()).isEqualTo("NONE");
        assertThat(settings.arm64()).isFalse();
    }

    @Test
    void cdkJsonContext_mayUseJsonTypes() {
        SluiceSettings settings = SluiceSettings.fromContext(Map.of(
                "throwaway",
                true,
                "routerMemoryMb",
                512,
                "providerSecrets",
                List.of("openai", "anthropic"),
                "lwaLayerArn",
                "",
                "alarmEmail",
                " "));

        assertThat(settings.throwaway()).isTrue();
        assertThat(settings.routerMemoryMb()).isEqualTo(512);
        assertThat(settings.providerSecrets()).containsExactly("openai", "anthropic");
        assertThat(settings.lwaLayerArn()).isNull();
        assertThat(settings.alarmEmail()).isNull();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "stage|Prod|context stage",
                "stage|dev_1|context stage",
                "architecture|sparc|context architecture",
                "routerTimeoutMinutes|4|context routerTimeoutMinutes must be 5-15",
                "routerTimeoutMinutes|16|context routerTimeoutMinutes must be 5-15",
                "routerMemoryMb|64|function memory",
                "routerReservedConcurrency|0|routerReservedConcurrency",
                "throwaway|maybe|context throwaway must be true or false",
                "providerSecrets|OpenAI|context providerSecrets",
                "bedrockModels|*|context bedrockModels",
                "functionUrlAuth|COGNITO|context functionUrlAuth",
                "routerMemoryMb|lots|context routerMemoryMb must be a whole number",
                "errorRateAlarmPercent|0|context alarm percentages",
                "cacheHitRateAlarmPercent|101|context alarm percentages",
                "healthyDeploymentsAlarmPercent|-5|context alarm percentages",
                "ttftP99AlarmMs|0|context ttftP99AlarmMs must be positive",
                "adotLayerArn|aws-otel-collector|context adotLayerArn",
                "compute|fargate|context compute must be lambda (one request per execution environment) or "
                        + "managed-instances",
                "compute|managed_instances|context compute must be lambda"
            })
    void invalidContext_isRejectedWithTheKeyNamed(String key, String value, String message) {
        assertThatThrownBy(() -> SluiceSettings.fromContext(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
