package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapStartHooksTest {
    private final List<String> ran = new ArrayList<>();

    @Test
    void beforeCheckpoint_runsInOrder_andSkipsAFailingHook() {
        SnapStartHooks hooks = new SnapStartHooks()
                .beforeCheckpoint("a", () -> ran.add("a"))
                .beforeCheckpoint("broken", () -> {
                    throw new IllegalStateException("priming failed");
                })
                .beforeCheckpoint("c", () -> ran.add("c"));

        List<SnapStartHooks.Run> runs = hooks.runBeforeCheckpoint();

        assertThat(ran).containsExactly("a", "c");
        assertThat(runs).extracting(SnapStartHooks.Run::name).containsExactly("a", "broken", "c");
        assertThat(runs).extracting(SnapStartHooks.Run::ok).containsExactly(true, false, true);
    }

    @Test
    void afterRestore_stopsAtTheFirstFailure_andPropagatesIt() {
        SnapStartHooks hooks = new SnapStartHooks()
                .afterRestore("a", () -> ran.add("a"))
                .afterRestore("broken", () -> {
                    throw new IllegalStateException("cannot reseed");
                })
                .afterRestore("c", () -> ran.add("c"));

        assertThatThrownBy(hooks::runAfterRestore).hasMessage("cannot reseed");
        assertThat(ran).containsExactly("a");
    }

    @Test
    void names_listBothPhasesInOrder() {
        SnapStartHooks hooks = new SnapStartHooks().afterRestore("x", () -> {}).beforeCheckpoint("y", () -> {});

        assertThat(hooks.names()).containsExactly("before-checkpoint:y", "after-restore:x");
    }
}
