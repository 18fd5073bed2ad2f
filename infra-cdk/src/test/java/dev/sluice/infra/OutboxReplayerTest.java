package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class OutboxReplayerTest {

    private static Map<String, Object> function(Template template, String handler) {
        return Templates.properties(Templates.resource(template, Templates.functionId(template, handler)));
    }

    @Test
    void replayer_runsTheRoutersBundle_onJava21_withItsOwnHandler() {
        Template template = Templates.defaults();
        Map<String, Object> replayer = function(template, OutboxReplayer.HANDLER);

        assertThat(replayer)
                .containsEntry("Runtime", "java21")
                .containsEntry("Architectures", List.of("arm64"))
                .containsEntry("Handler", "dev.sluice.router.OutboxReplayHandler::handleRequest")
                .containsEntry("MemorySize", 512)
                .containsEntry("Timeout", 60)
                .containsEntry("ReservedConcurrentExecutions", 1)
                .containsEntry("TracingConfig", Map.of("Mode", "Active"))
                .doesNotContainKey("Layers");
        assertThat(replayer.get("Code"))
                .as("the same deployment bundle as the router")
                .isEqualTo(function(template, "run.sh").get("Code"));
    }

    @Test
    void replayer_knowsOnlyTheOutboxAndTheStream() {
        Template template = Templates.defaults();

        assertThat(function(template, OutboxReplayer.HANDLER).get("Environment"))
                .isEqualTo(Map.of(
                        "Variables",
                        Map.of(
                                "SLUICE_OUTBOX_TABLE",
                                Templates.ref(Templates.table(template, SluiceData.EVENT_ID)),
                                "SLUICE_USAGE_STREAM",
                                Templates.ref(Templates.only(template, "AWS::Kinesis::Stream")))));
    }

    @Test
    void replayer_runsEveryMinute_andAFailedRunWaitsForTheNext() {
        Template template = Templates.defaults();
        String replayer = Templates.functionId(template, OutboxReplayer.HANDLER);
        Map<String, Object> rule =
                Templates.properties(Templates.resource(template, Templates.only(template, "AWS::Events::Rule")));

        assertThat(rule.get("ScheduleExpression")).isEqualTo("rate(1 minute)");
        assertThat(rule.get("State")).isEqualTo("ENABLED");
        assertThat(String.valueOf(rule.get("Targets"))).contains("{Fn::GetAtt=[" + replayer + ", Arn]}");
        Map<String, Object> permission = Templates.properties(Templates.resource(
                template,
                Templates.logicalId(template, "AWS::Lambda::Permission", "Principal", "events.amazonaws.com")));
        assertThat(permission.get("FunctionName")).isEqualTo(Templates.arnOf(replayer));
        assertThat(Templates.properties(
                        Templates.resource(template, Templates.only(template, "AWS::Lambda::EventInvokeConfig"))))
                .containsEntry("MaximumRetryAttempts", 0)
                .containsEntry("MaximumEventAgeInSeconds", 60);
    }
}
