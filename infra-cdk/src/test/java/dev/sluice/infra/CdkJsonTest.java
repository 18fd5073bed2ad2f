package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** cdk.json documents the context defaults; they must be the ones the app applies when a key is absent. */
class CdkJsonTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cdkJson() throws Exception {
        return new ObjectMapper().readValue(Path.of("cdk.json").toFile(), Map.class);
    }

    @Test
    void contextInCdkJson_equalsTheAppsDefaults() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> context = (Map<String, Object>) cdkJson().get("context");

        assertThat(context.keySet()).containsExactlyElementsOf(SluiceSettings.CONTEXT_KEYS);
        assertThat(SluiceSettings.fromContext(context)).isEqualTo(SluiceSettings.fromContext(Map.of()));
    }

    @Test
    void app_runsThroughTheWrapperScript() throws Exception {
        assertThat(cdkJson().get("app")).isEqualTo("bash cdk-app.sh");
        assertThat(Files.readString(Path.of("cdk-app.sh")))
                .contains("../scripts/select-jdk.sh")
                .contains("/../mvnw")
                .contains("exec:java");
    }
}
