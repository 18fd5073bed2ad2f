package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataArchiveTrainingTest {
    @TempDir
    Path javaHome;

    @Test
    void jdkIdentity_isTheImplementorAndRuntimeVersionLines_inTheReleaseFilesOrder() throws IOException {
        Files.writeString(javaHome.resolve("release"), """
                IMPLEMENTOR="Amazon.com Inc."
                IMPLEMENTOR_VERSION="Corretto-21.0.9.10.1"
                JAVA_RUNTIME_VERSION="21.0.9+10-LTS"
                JAVA_VERSION="21.0.9"
                """);

        // run.sh greps the same two lines out of the running JDK's release file and compares them with this text.
        assertThat(ClassDataArchiveTraining.jdkIdentity(javaHome))
                .isEqualTo("IMPLEMENTOR=\"Amazon.com Inc.\"\nJAVA_RUNTIME_VERSION=\"21.0.9+10-LTS\"\n");
    }

    @Test
    void jdkIdentity_refusesAReleaseFileThatDoesNotNameTheBuild() throws IOException {
        Files.writeString(javaHome.resolve("release"), "JAVA_VERSION=\"21.0.9\"\n");

        assertThatThrownBy(() -> ClassDataArchiveTraining.jdkIdentity(javaHome))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not name");
    }

    @Test
    void onlyCorretto21_isTheJdkLambdasJava21RuntimeRuns() {
        assertThat(ClassDataArchiveTraining.isLambdaJava21(
                        "IMPLEMENTOR=\"Amazon.com Inc.\"\nJAVA_RUNTIME_VERSION=\"21.0.9+10-LTS\"\n"))
                .isTrue();
        assertThat(ClassDataArchiveTraining.isLambdaJava21(
                        "IMPLEMENTOR=\"Amazon.com Inc.\"\nJAVA_RUNTIME_VERSION=\"17.0.17+10-LTS\"\n"))
                .isFalse();
        assertThat(ClassDataArchiveTraining.isLambdaJava21(
                        "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_RUNTIME_VERSION=\"21.0.9+10-LTS\"\n"))
                .isFalse();
        assertThat(ClassDataArchiveTraining.isLambdaJava21(
                        "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_RUNTIME_VERSION=\"25.0.3+9-LTS\"\n"))
                .isFalse();
    }
}
