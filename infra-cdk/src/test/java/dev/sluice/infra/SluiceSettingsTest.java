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
                "adotLayerArn|aws-otel-collector|context adotLayerArn"
            })
    void invalidContext_isRejectedWithTheKeyNamed(String key, String value, String message) {
        assertThatThrownBy(() -> SluiceSettings.fromContext(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
