package dev.sluice.provider.bedrock;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;

/**
 * Hands the SDK's ConverseStream callbacks, which run on its own threads, to the thread that called
 * {@code streamChat}: the listener (and so the client's socket) is only ever called from the request thread, and an
 * exception it throws reaches the caller unchanged.
 *
 * <p>Flow is bounded by demand: at most {@link #WINDOW} events are requested ahead of the consumer, so the queue
 * never holds more than that plus a few terminal signals; a slow client slows the upstream read instead of filling
 * memory.
 */
final class StreamHandoff implements Subscriber<ConverseStreamOutput> {
    static final int WINDOW = 32;

    /** What the SDK reported, in order. */
    sealed interface Signal permits Started, Event, Failed, Completed {}

    /** The response headers arrived: the upstream's first byte. */
    record Started() implements Signal {}

    record Event(ConverseStreamOutput event) implements Signal {}

    record Failed(Throwable cause) implements Signal {}

    record Completed() implements Signal {}

    private static final Duration SECOND_REPORT_WAIT = Duration.ofMillis(100);

    private final BlockingQueue<Signal> signals = new ArrayBlockingQueue<>(WINDOW + 8);
    private volatile Subscription subscription;
    private volatile boolean cancelled;

    /** The response handler to pass to {@code converseStream}, feeding this hand-off. */
    ConverseStreamResponseHandler responseHandler() {
        return ConverseStreamResponseHandler.builder()
                .onResponse(response -> offer(new Started()))
                .onError(this::fail)
                .subscriber(() -> this)
                .build();
    }

    /** Also fed by the call's future, for failures that happen before the handler is involved. */
    void fail(Throwable cause) {
        offer(new Failed(cause));
    }

    /**
     * The failure that says most about what went wrong: a call that fails is reported twice (the response handler's
     * error, then the call's future), and when the first report is a bare connection failure the second may be the
     * service's own error (a 424 {@code ModelErrorException} whose connection closed first). Waits briefly for it.
     */
    Throwable mostTelling(Throwable first) throws InterruptedException {
        if (isServiceError(first)) {
            return first;
        }
        Signal next = signals.poll(SECOND_REPORT_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        return next instanceof Failed again && isServiceError(again.cause()) ? again.cause() : first;
    }

    private static boolean isServiceError(Throwable failure) {
        for (Throwable link = failure; link != null; link = link.getCause()) {
            if (link instanceof software.amazon.awssdk.awscore.exception.AwsServiceException) {
                return true;
            }
        }
        return false;
    }

    /** The next signal, or null when none arrived within {@code wait}. */
    Signal poll(Duration wait) throws InterruptedException {
        return signals.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    Signal take() throws InterruptedException {
        return signals.take();
    }

    /** The consumer handled an event: ask for one more. */
    void consumed() {
        Subscription current = subscription;
        if (current != null && !cancelled) {
            current.request(1);
        }
    }

    /** Stops the event flow; events already on the way are dropped. */
    void cancel() {
        cancelled = true;
        Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        this.subscription = subscription;
        if (cancelled) {
            subscription.cancel();
        } else {
            subscription.request(WINDOW);
        }
    }

    @Override
    public void onNext(ConverseStreamOutput event) {
        offer(new Event(event));
    }

    @Override
    public void onError(Throwable cause) {
        fail(cause);
    }

    @Override
    public void onComplete() {
        offer(new Completed());
    }

    /**
     * Never blocks an SDK thread. Demand keeps the queue below its capacity while the consumer runs; once it has
     * stopped (cancelled), nobody reads the queue and late signals are dropped.
     */
    private void offer(Signal signal) {
        if (!cancelled) {
            signals.offer(signal);
        }
    }
}
