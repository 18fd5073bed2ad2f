package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.aws.AwsSettings;
import dev.sluice.store.TableNames;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouterConfigTest {

    @Test
    void fromEnvironment_empty_givesTheDocumentedDefaults() {
        RouterConfig config = RouterConfig.fromEnvironment(Map.of());

        assertThat(config)
                .isEqualTo(new RouterConfig(
                        "127.0.0.1",
                        8080,
                        "us-east-1",
                        new TableNames(
                                "sluice-keys",
                                "sluice-routes",
                                "sluice-rate-counters",
                                "sluice-usage",
                                "sluice-tenants"),
                        "sluice-usage",
                        null,
                        null,
                        null,
                        "",
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(300),
                        RouterConfig.DEFAULT_MAX_BODY_BYTES,
                        false,
                        false,
                        false,
                        new AwsSettings("us-east-1", false, Duration.ofSeconds(2), Duration.ofSeconds(1)),
                        ClientAddresses.SOCKET,
                        ServerLimits.DEFAULTS,
                        false));
    }

    @Test
    void fromEnvironment_everyVariable_isRead() {
        RouterConfig config = RouterConfig.fromEnvironment(Map.ofEntries(
                Map.entry("SLUICE_BIND_HOST", "0.0.0.0"),
                Map.entry("PORT", "9000"),
                Map.entry("AWS_REGION", "eu-west-1"),
                Map.entry("SLUICE_TABLE_PREFIX", "prod-"),
                Map.entry("SLUICE_KEYS_TABLE", "the-keys"),
                Map.entry("SLUICE_USAGE_STREAM", "usage-stream"),
                Map.entry("SLUICE_DYNAMODB_ENDPOINT", "https://vpce-1.dynamodb.eu-west-1.vpce.amazonaws.com"),
                Map.entry("SLUICE_KINESIS_ENDPOINT", "http://localhost:4566"),
                Map.entry("SLUICE_SECRETSMANAGER_ENDPOINT", " "),
                Map.entry("SLUICE_SECRET_PREFIX", "sluice/prod/"),
                Map.entry("SLUICE_CACHE_TTL_SECONDS", "2"),
                Map.entry("SLUICE_SECRET_TTL_SECONDS", "60"),
                Map.entry("SLUICE_MAX_BODY_BYTES", "2048"),
                Map.entry("SLUICE_METRICS", "EMF"),
                Map.entry("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH", "/restore"),
                Map.entry("SLUICE_PRIME_ON_START", "true"),
                Map.entry("SLUICE_AWS_EMULATOR", "true"),
                Map.entry("SLUICE_AWS_API_CALL_TIMEOUT_MS", "1200"),
                Map.entry("SLUICE_AWS_API_CALL_ATTEMPT_TIMEOUT_MS", "400"),
                Map.entry("SLUICE_REQUEST_TIMEOUT_SECONDS", "10"),
                Map.entry("SLUICE_RESPONSE_TIMEOUT_SECONDS", "120"),
                Map.entry("SLUICE_IDLE_TIMEOUT_SECONDS", "15"),
                Map.entry("SLUICE_MAX_CONNECTIONS", "64"),
                Map.entry("SLUICE_MAX_HEADER_BYTES", "16384"),
                Map.entry("SLUICE_MAX_HEADERS", "50")));

        assertThat(config.bindHost()).isEqualTo("0.0.0.0");
        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.region()).isEqualTo("eu-west-1");
        assertThat(config.tables())
                .isEqualTo(new TableNames(
                        "the-keys",
                        "prod-routes",
                        "prod-rate-counters",
                        "prod-usage",
                        "prod-tenants",
                        "prod-response-cache",
                        "prod-usage-outbox",
                        "prod-audit"));
        assertThat(config.usageStream()).isEqualTo("usage-stream");
        assertThat(config.dynamoDbEndpoint())
                .isEqualTo(URI.create("https://vpce-1.dynamodb.eu-west-1.vpce.amazonaws.com"));
        assertThat(config.kinesisEndpoint()).isEqualTo(URI.create("http://localhost:4566"));
        assertThat(config.secretsManagerEndpoint()).as("blank means none").isNull();
        assertThat(config.secretPrefix()).isEqualTo("sluice/prod/");
        assertThat(config.cacheTtl()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.secretTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxBodyBytes()).isEqualTo(2048);
        assertThat(config.emfMetrics()).isTrue();
        assertThat(config.snapStartHooks()).isTrue();
        assertThat(config.primeOnStart()).isTrue();
        assertThat(config.aws())
                .isEqualTo(new AwsSettings("eu-west-1", true, Duration.ofMillis(1200), Duration.ofMillis(400)));
        assertThat(config.limits())
                .isEqualTo(new ServerLimits(
                        Duration.ofSeconds(10), Duration.ofSeconds(120), Duration.ofSeconds(15), 64, 16384, 50));
    }

    @Test
    void fromEnvironment_metricsList_turnsOnEachOutputNamed() {
        RouterConfig both = RouterConfig.fromEnvironment(Map.of("SLUICE_METRICS", "emf, Prometheus"));
        RouterConfig prometheus = RouterConfig.fromEnvironment(Map.of("SLUICE_METRICS", "prometheus"));
        RouterConfig none = RouterConfig.fromEnvironment(Map.of());

        assertThat(both.emfMetrics()).isTrue();
        assertThat(both.prometheusMetrics()).isTrue();
        assertThat(prometheus.emfMetrics()).isFalse();
        assertThat(prometheus.prometheusMetrics()).isTrue();
        assertThat(none.emfMetrics()).isFalse();
        assertThat(none.prometheusMetrics()).isFalse();
    }

    @Test
    void fromEnvironment_webAdapterPort_isUsedWhenPortIsNot() {
        assertThat(RouterConfig.fromEnvironment(Map.of("AWS_LWA_PORT", "8081")).port())
                .isEqualTo(8081);
        assertThat(RouterConfig.fromEnvironment(Map.of("AWS_LWA_PORT", "8081", "PORT", "8082"))
                        .port())
                .isEqualTo(8082);
    }

    @Test
    void fromEnvironment_eitherSnapStartPath_turnsTheHooksOn() {
        assertThat(RouterConfig.fromEnvironment(Map.of("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH", "/before"))
                        .snapStartHooks())
                .isTrue();
        assertThat(RouterConfig.fromEnvironment(Map.of()).snapStartHooks()).isFalse();
    }

    @Test
    void fromEnvironment_endpointOverrideAlone_isNotAnEmulator() {
        RouterConfig config = RouterConfig.fromEnvironment(Map.of("SLUICE_DYNAMODB_ENDPOINT", "http://localhost:8000"));

        assertThat(config.aws().emulator()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "PORT",
                "SLUICE_CACHE_TTL_SECONDS",
                "SLUICE_MAX_BODY_BYTES",
                "SLUICE_AWS_API_CALL_TIMEOUT_MS",
                "SLUICE_REQUEST_TIMEOUT_SECONDS",
                "SLUICE_MAX_CONNECTIONS"
            })
    void fromEnvironment_numberThatIsNot_failsAtStart(String variable) {
        assertThatThrownBy(() -> RouterConfig.fromEnvironment(Map.of(variable, "ten")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SLUICE_REQUEST_TIMEOUT_SECONDS",
                "SLUICE_RESPONSE_TIMEOUT_SECONDS",
                "SLUICE_IDLE_TIMEOUT_SECONDS",
                "SLUICE_MAX_CONNECTIONS",
                "SLUICE_MAX_HEADERS"
            })
    void fromEnvironment_nonPositiveServerLimit_failsAtStart(String variable) {
        assertThatThrownBy(() -> RouterConfig.fromEnvironment(Map.of(variable, "0")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serverLimits_becomeTheJdkServersProperties_inWholeSeconds() {
        assertThat(ServerLimits.DEFAULTS.systemProperties())
                .containsEntry("sun.net.httpserver.maxReqTime", "30")
                .containsEntry("sun.net.httpserver.maxRspTime", "900")
                .containsEntry("sun.net.httpserver.idleInterval", "30")
                .containsEntry("sun.net.httpserver.clockTick", "1000")
                .containsEntry("jdk.httpserver.maxConnections", "512")
                .containsEntry("sun.net.httpserver.maxReqHeaderSize", "65536")
                .containsEntry("sun.net.httpserver.maxReqHeaders", "100")
                .containsEntry("sun.net.httpserver.nodelay", "true");
    }

    @Test
    void fromEnvironment_nonPositiveAwsTimeout_failsAtStart() {
        assertThatThrownBy(() -> RouterConfig.fromEnvironment(Map.of("SLUICE_AWS_API_CALL_ATTEMPT_TIMEOUT_MS", "0")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
