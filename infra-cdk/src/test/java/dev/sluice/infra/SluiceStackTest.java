package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class SluiceStackTest {

    @Test
    void stackName_followsTheStage() {
        SluiceStack stack = Templates.stack(Map.of("stage", "staging"));

        assertThat(stack.getStackName()).isEqualTo("Sluice-staging");
    }

    @Test
    void everyTaggableResource_isTaggedWithAppAndStage() {
        Template template = Templates.with(Map.of("stage", "qa"));

        for (String type : List.of(
                "AWS::DynamoDB::Table",
                "AWS::Lambda::Function",
                "AWS::Kinesis::Stream",
                "AWS::SecretsManager::Secret",
                "AWS::SQS::Queue",
                "AWS::ApiGateway::RestApi")) {
            template.allResourcesProperties(
                    type,
                    Map.of(
                            "Tags",
                            Match.arrayWith(List.of(
                                    Map.of("Key", "app", "Value", "sluice"), Map.of("Key", "stage", "Value", "qa")))));
        }
    }

    @Test
    void outputs_nameEveryTableAndTheStream() {
        Template template = Templates.defaults();

        template.hasOutput("KeysTable", Map.of("Value", Templates.ref(Templates.table(template, "keyHash"))));
        template.hasOutput("RoutesTable", Map.of("Value", Templates.ref(Templates.table(template, "alias"))));
        template.hasOutput("CountersTable", Map.of("Value", Templates.ref(Templates.table(template, "counter"))));
        template.hasOutput("UsageTable", Map.of("Value", Templates.ref(Templates.table(template, "tenant"))));
        template.hasOutput(
                "UsageStream", Map.of("Value", Templates.ref(Templates.only(template, "AWS::Kinesis::Stream"))));
        template.hasOutput(
                "ProviderSecrets", Map.of("Value", "sluice/dev/openai,sluice/dev/anthropic,sluice/dev/gemini"));
    }

    @Test
    void nextSteps_tellHowToCreateTheFirstRouteAndKey_againstTheDeployedTables() {
        Template template = Templates.defaults();
        String nextSteps = String.valueOf(
                ((Map<?, ?>) ((Map<?, ?>) Templates.json(template).get("Outputs")).get("NextSteps")).get("Value"));

        assertThat(nextSteps)
                .contains("aws secretsmanager put-secret-value --secret-id sluice/dev/openai")
                .contains("SLUICE_KEYS_TABLE=, {Ref=" + Templates.table(template, "keyHash") + "}")
                .contains("SLUICE_ROUTES_TABLE=, {Ref=" + Templates.table(template, "alias") + "}")
                .contains(
                        "./gatewayctl routes put --file cli/routes/openai.json   (secretRef openai = sluice/dev/openai)")
                .contains("./gatewayctl keys create --tenant acme")
                .contains("/v1/chat/completions");
    }

    @Test
    void synthesis_raisesNoWarningsOrErrors() {
        for (Map<String, Object> context : List.of(
                Map.<String, Object>of(),
                Map.<String, Object>of(
                        "functionUrl", "true", "throwaway", "true", "alarmEmail", "oncall@example.com"))) {
            Annotations annotations = Annotations.fromStack(Templates.stack(context));

            annotations.hasNoWarning("*", Match.anyValue());
            annotations.hasNoError("*", Match.anyValue());
        }
    }

    @Test
    void missingFunctionBuild_failsWithTheBuildCommand() {
        assertThatThrownBy(() -> Templates.stack(Map.of("routerAsset", "target/does-not-exist.zip")))
                .hasMessageContaining("does-not-exist.zip does not exist (context routerAsset)")
                .hasMessageContaining("./mvnw -DskipTests package");
    }
}
