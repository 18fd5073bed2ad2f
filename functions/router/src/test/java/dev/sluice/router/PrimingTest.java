package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Priming runs offline: every step completes on a machine that reaches no AWS endpoint (a step that tried to
 * resolve or call one would fail here).
 */
class PrimingTest {

    @Test
    void everyPrimingStep_completesWithoutNetwork() {
        SnapStartHooks hooks = new SnapStartHooks();
        Priming.register(hooks, "eu-west-1");

        List<SnapStartHooks.Run> runs = hooks.runBeforeCheckpoint();

        assertThat(runs)
                .extracting(SnapStartHooks.Run::name)
                .containsExactly("prime-json", "prime-tls", "prime-pipeline", "prime-tokenizer", "prime-aws-sdk");
        assertThat(runs).allSatisfy(run -> assertThat(run.ok()).as(run.name()).isTrue());
    }

    @Test
    void pipelineStep_runsEveryRequestKindThroughTheProductionWiring() {
        Priming.pipeline(); // throws when any priming request gets an unexpected status
    }

    @Test
    void closeClientsAtSnapshot_registersEveryCloseableAdapterInBothPhases() {
        SnapStartHooks hooks = new SnapStartHooks();
        List<Object> providers = GatewayWiring.providers(
                java.time.Duration.ofSeconds(1), java.time.Duration.ZERO, "us-east-1", java.time.Clock.systemUTC());

        GatewayWiring.closeClientsAtSnapshot(providers, hooks);

        assertThat(hooks.names())
                .containsExactlyInAnyOrder(
                        "before-checkpoint:close-BedrockProvider",
                        "after-restore:close-BedrockProvider",
                        "before-checkpoint:close-BedrockGuardrails",
                        "after-restore:close-BedrockGuardrails");
        assertThat(hooks.runBeforeCheckpoint())
                .allSatisfy(run -> assertThat(run.ok()).isTrue());
        assertThat(hooks.runAfterRestore()).hasSize(2);
    }
}
