package dev.sluice.usage;

import static dev.sluice.usage.UsageEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.sluice.usage.event.UsageEvent;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FallbackUsagePublisherTest {
    private final InMemoryUsagePublisher taken = new InMemoryUsagePublisher();
    private final InMemoryUsageOutbox outbox = new InMemoryUsageOutbox();
    private final List<String> lastResort = new CopyOnWriteArrayList<>();
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final AtomicInteger streamCalls = new AtomicInteger();

    private FallbackUsagePublisher publisher(UsagePublisher stream, UsageOutbox outbox) {
        UsagePublisher counted = event -> {
            streamCalls.incrementAndGet();
            stream.publish(event);
        };
        return FallbackUsagePublisher.create(counted, outbox, Duration.ofMillis(300), nanos::get, lastResort::add);
    }

    @Test
    void publish_streamTakesIt_parksNothing() {
        publisher(taken, outbox).publish(usage(1));

        assertThat(taken.events()).containsExactly(usage(1));
        assertThat(outbox.events()).isEmpty();
    }

    @Test
    void publish_streamRefuses_parksTheEvent_andThrowsNothing() {
        FallbackUsagePublisher publisher = publisher(
                event -> {
                    throw new IllegalStateException("rejected by Kinesis after 4 attempts");
                },
                outbox);

        assertThatCode(() -> publisher.publish(usage(1))).doesNotThrowAnyException();

        assertThat(outbox.events()).containsExactly(usage(1));
        assertThat(lastResort).isEmpty();
    }

    @Test
    void publish_streamHangs_parksTheEventWithinTheBudget() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        FallbackUsagePublisher publisher = publisher(event -> awaitQuietly(never), outbox);

        long started = System.nanoTime();
        publisher.publish(usage(1));
        Duration spent = Duration.ofNanos(System.nanoTime() - started);

        assertThat(spent).isBetween(Duration.ofMillis(250), Duration.ofSeconds(2));
        assertThat(outbox.events()).containsExactly(usage(1));
        never.countDown();
    }

    @Test
    void publish_afterAStreamFailure_parksWithoutTryingTheStream_untilTheRestIsOver() {
        AtomicInteger failuresLeft = new AtomicInteger(1);
        FallbackUsagePublisher publisher = publisher(
                event -> {
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("connection refused");
                    }
                    taken.publish(event);
                },
                outbox);

        publisher.publish(usage(1));
        publisher.publish(usage(2));
        nanos.addAndGet(FallbackUsagePublisher.STREAM_REST.toNanos());
        publisher.publish(usage(3));

        assertThat(streamCalls).hasValue(2);
        assertThat(outbox.events()).containsExactlyInAnyOrder(usage(1), usage(2));
        assertThat(taken.events()).containsExactly(usage(3));
    }

    @Test
    void publish_streamAndOutboxBothFail_writesOneReplayableLine_andThrowsNothing() {
        UsageOutbox broken = new UsageOutbox() {
            @Override
            public void park(UsageEvent event) {
                throw new IllegalStateException("DynamoDB unreachable");
            }

            @Override
            public List<UsageEvent> batch(int limit) {
                return List.of();
            }

            @Override
            public void remove(Collection<UsageEvent> replayed) {}
        };
        FallbackUsagePublisher publisher = publisher(
                event -> {
                    throw new IllegalStateException("Kinesis unreachable");
                },
                broken);

        assertThatCode(() -> publisher.publish(usage(7))).doesNotThrowAnyException();

        assertThat(lastResort).singleElement().satisfies(line -> {
            assertThat(line).startsWith(UnsentUsageLog.MARKER + " {");
            assertThat(UnsentUsageLog.parse(line)).contains(usage(7));
        });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
