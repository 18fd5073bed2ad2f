package dev.sluice.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs at the two SnapStart moments. The router runs as a separate process under the AWS Lambda Web Adapter,
 * so it cannot register CRaC resources with the runtime; the adapter bridges them to HTTP instead, and
 * {@link RouterServer} serves {@code POST /_sluice/snapstart/before-checkpoint} and
 * {@code POST /_sluice/snapstart/after-restore} by running these lists.
 *
 * <p>Hooks are registered at wiring time, in order. Before the snapshot: priming (classes loaded and hot paths run,
 * so restored instances do not pay for them) and closing clients that hold connections. After a restore: anything
 * that must differ between instances restored from the same snapshot (random seeds) or that a snapshot leaves stale
 * (connections).
 *
 * <p>The two lists fail differently on purpose. A failed before-checkpoint hook is logged and skipped: priming only
 * saves time, and a snapshot without it is still correct. A failed after-restore hook fails the whole call, so the
 * adapter fails the restore instead of serving requests with state that may be shared with other instances.
 */
public final class SnapStartHooks {
    private static final Logger LOG = LoggerFactory.getLogger(SnapStartHooks.class);

    /** One hook's run: its name, how long it took and whether it completed. */
    public record Run(String name, long millis, boolean ok) {}

    private record Hook(String name, Runnable action) {
        Hook {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
        }
    }

    private final List<Hook> beforeCheckpoint = new CopyOnWriteArrayList<>();
    private final List<Hook> afterRestore = new CopyOnWriteArrayList<>();

    /** Adds a hook that runs before the snapshot (and at start with {@code SLUICE_PRIME_ON_START=true}). */
    public SnapStartHooks beforeCheckpoint(String name, Runnable action) {
        beforeCheckpoint.add(new Hook(name, action));
        return this;
    }

    /** Adds a hook that runs after every restore, before the adapter sends the instance any request. */
    public SnapStartHooks afterRestore(String name, Runnable action) {
        afterRestore.add(new Hook(name, action));
        return this;
    }

    /** Runs every before-checkpoint hook in order; a failure is logged and the next hook still runs. */
    public synchronized List<Run> runBeforeCheckpoint() {
        List<Run> runs = new ArrayList<>(beforeCheckpoint.size());
        for (Hook hook : beforeCheckpoint) {
            long started = System.nanoTime();
            boolean ok = true;
            try {
                hook.action().run();
            } catch (RuntimeException | LinkageError e) {
                ok = false;
                LOG.warn(
                        "SnapStart before-checkpoint hook {} failed; the snapshot is taken without it", hook.name(), e);
            }
            runs.add(new Run(hook.name(), elapsedMillis(started), ok));
        }
        LOG.info("SnapStart before-checkpoint: {}", runs);
        return runs;
    }

    /** Runs every after-restore hook in order; the first failure propagates and the rest do not run. */
    public synchronized List<Run> runAfterRestore() {
        List<Run> runs = new ArrayList<>(afterRestore.size());
        for (Hook hook : afterRestore) {
            long started = System.nanoTime();
            hook.action().run();
            runs.add(new Run(hook.name(), elapsedMillis(started), true));
        }
        LOG.info("SnapStart after-restore: {}", runs);
        return runs;
    }

    /** The hooks' names, in order: before-checkpoint, then after-restore. For logs and tests. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        beforeCheckpoint.forEach(hook -> names.add("before-checkpoint:" + hook.name()));
        afterRestore.forEach(hook -> names.add("after-restore:" + hook.name()));
        return names;
    }

    private static long elapsedMillis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
