package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.RequiresNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/**
 * {@code cdk synth} as an operator runs it: the pinned npm CLI ({@code package.json}, installed with {@code npm ci} on
 * first use), this module's {@code cdk.json} context, and the real Lambda artifacts the build just packaged. The
 * synthesized templates are then checked: no IAM statement on a data service (DynamoDB, Kinesis, Secrets Manager,
 * SQS) names a wildcard resource. Runs offline. Needs Node.js and npm: skipped without them, except in CI.
 */
class CdkCliSynthIT {
    private static final Path ROUTER_ZIP = Path.of("../functions/router/target/sluice-router-lambda.zip");

    @Test
    @RequiresNode
    void cdkSynth_withThePinnedCli_hasNoWildcardResourcesOnDataActions() throws Exception {
        synthesizeAndCheck("stage=ci", Path.of("target", "cdk-cli.out"));
    }

    @Test
    @RequiresNode
    void cdkSynth_onManagedInstances_hasTheCapacityProvider_andNoWildcardResourcesOnDataActions() throws Exception {
        Path out = Path.of("target", "cdk-cli-managed.out");
        synthesizeAndCheck("compute=managed-instances", out);

        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper()
                .readValue(out.resolve("Sluice-dev.template.json").toFile(), Map.class);
        Template template = Template.fromJSON(json);
        Map<String, Object> router = Templates.router(template);
        assertThat(Templates.resources(template, "AWS::Lambda::CapacityProvider"))
                .hasSize(1);
        assertThat(router).containsKey("CapacityProviderConfig").doesNotContainKey("SnapStart");
    }

    private static void synthesizeAndCheck(String context, Path out) throws Exception {
        assertThat(ROUTER_ZIP)
                .as("the router bundle, built earlier in the reactor")
                .isRegularFile();

        if (!Files.isRegularFile(Path.of("node_modules", "aws-cdk", "bin", "cdk"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The app runs on this test's classpath: no nested Maven build.
        String app = java + " -cp " + System.getProperty("java.class.path") + " " + SluiceApp.class.getName();
        run(
                List.of(
                        "node",
                        "node_modules/aws-cdk/bin/cdk",
                        "synth",
                        "--app",
                        app,
                        "--output",
                        out.toString(),
                        "--context",
                        context,
                        "--no-notices",
                        "--no-version-reporting",
                        "--quiet"),
                300);

        List<Path> templates;
        try (Stream<Path> files = Files.list(out)) {
            templates =
                    files.filter(p -> p.toString().endsWith(".template.json")).toList();
        }
        assertThat(templates).as("synthesized templates").isNotEmpty();
        ObjectMapper json = new ObjectMapper();
        List<String> offenders = new ArrayList<>();
        int dataStatements = 0;
        for (Path file : templates) {
            @SuppressWarnings("unchecked")
            Map<String, Object> template = json.readValue(file.toFile(), Map.class);
            for (IamPolicies.Statement statement : IamPolicies.all(Template.fromJSON(template))) {
                boolean onData = IamPolicies.DATA_SERVICES.stream().anyMatch(statement::touches);
                if (!onData) {
                    continue;
                }
                dataStatements++;
                if (statement.resources().stream().anyMatch(IamPolicies::hasWildcard)) {
                    offenders.add(file.getFileName() + " " + statement.policyId() + " " + statement.actions() + " "
                            + statement.resources());
                }
            }
            assertThat(Files.readString(file)).as("no secret value in " + file).doesNotContain("\"SecretString\"");
        }
        assertThat(dataStatements).as("statements on data services").isPositive();
        assertThat(offenders).as("data actions on wildcard resources").isEmpty();
    }

    private static void run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        File log = Files.createTempFile("cdk-cli", ".log").toFile();
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        builder.environment().put("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        builder.environment().put("CDK_DISABLE_CLI_TELEMETRY", "true");
        Process process = builder.start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        Files.deleteIfExists(log.toPath());
        assertThat(finished)
                .as(command.get(0) + " finished in " + timeoutSeconds + " s:\n" + output)
                .isTrue();
        assertThat(process.exitValue())
                .as(String.join(" ", command.subList(0, Math.min(3, command.size()))) + " failed:\n" + output)
                .isZero();
    }
}
