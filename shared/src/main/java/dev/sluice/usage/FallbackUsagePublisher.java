package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage is never only in a log: each event goes to the stream, and when the stream refuses it, fails or does not
 * answer within a budget, to the durable {@link UsageOutbox}, from which {@link OutboxReplayer} puts it into the
 * stream later. Only if the outbox fails too is the event written as one {@link UnsentUsageLog} line at ERROR, which
 * {@code gatewayctl usage replay --from-log} reads back. Nothing is thrown to the caller: the client's response is
 * not failed for its usage.
 *
 * <p>Time: the stream gets {@code streamBudget} (its calls run on a virtual thread, so a hung call is left behind, not
 * waited for); the outbox write is bounded by its client's call timeout. After a stream failure, events go straight to
 * the outbox for {@link #STREAM_REST}, so during an outage a request spends one outbox write here, not the budget.
 *
 * <p>An event whose stream call timed out may still have reached the stream; its replay is then a second record of
 * the same request, which the usage store counts once (by request id).
 */
public final class FallbackUsagePublisher implements UsagePublisher {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackUsagePublisher.class);
    /** After a stream failure, how long events are parked without trying the stream. */
    public static final Duration STREAM_REST = Duration.ofSeconds(5);

    private final UsagePublisher stream;
    private final UsageOutbox outbox;
    private final Duration streamBudget;
    private final LongSupplier nanoClock;
    private final Consumer<String> lastResort;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private volatile long streamRestsUntil;

    private FallbackUsagePublisher(
            UsagePublisher stream,
            UsageOutbox outbox,
            Duration streamBudget,
            LongSupplier nanoClock,
            Consumer<String> lastResort) {
        this.stream = stream;
        this.outbox = outbox;
        this.streamBudget = streamBudget;
        this.nanoClock = nanoClock;
        this.lastResort = lastResort;
        this.streamRestsUntil = nanoClock.getAsLong();
    }

    /** @param streamBudget the most a request waits for the stream (the AWS call timeout suits) */
    public static FallbackUsagePublisher create(UsagePublisher stream, UsageOutbox outbox, Duration streamBudget) {
        return new FallbackUsagePublisher(stream, outbox, streamBudget, System::nanoTime, LOG::error);
    }

    /** For tests: the clock of the stream's rest, and where the last-resort lines go instead of the log. */
    static FallbackUsagePublisher create(
            UsagePublisher stream,
            UsageOutbox outbox,
            Duration streamBudget,
            LongSupplier nanoClock,
            Consumer<String> lastResort) {
        return new FallbackUsagePublisher(stream, outbox, streamBudget, nanoClock, lastResort);
    }

    @Override
    public void publish(UsageEvent event) {
        if (nanoClock.getAsLong() - streamRestsUntil >= 0) {
            try {
                publishToStream(event);
                return;
            } catch (Exception e) {
                streamRestsUntil = nanoClock.getAsLong() + STREAM_REST.toNanos();
                LOG.warn(
                        "usage event {} not taken by the stream ({}); parking it in the outbox",
                        event.requestId(),
                        describe(e));
            }
        }
        try {
            outbox.park(event);
        } catch (RuntimeException e) {
            LOG.warn(
                    "usage event {} not parked in the outbox either ({}); logging it for replay",
                    event.requestId(),
                    describe(e));
            lastResort.accept(UnsentUsageLog.message(event));
        }
    }

    private void publishToStream(UsageEvent event) throws Exception {
        Future<?> call = calls.submit(() -> stream.publish(event));
        try {
            call.get(streamBudget.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new TimeoutException("no answer within " + streamBudget.toMillis() + " ms");
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
