package dev.sluice.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The dev stack under concurrent streams with an RPM key (one conditional {@code UpdateItem} per request), checked by
 * what it leaves behind rather than by how fast it goes: DynamoDB connections reused, the usage backlog drained and
 * exact, one counter item per minute window. See the soak in {@code bench/README.md} for the timed version.
 */
class DevStackLoadIT {
    private static final int CLIENTS = 32;
    private static final int REQUESTS_PER_CLIENT = 40;
    private static final String ALIAS = "load";
    private static FakeUpstream upstream;
    private static DevStack stack;
    private static String key;
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start();
        upstream.streamContent("a", "b", "c", "d", "e");
        upstream.reportUsage(7, 5);
        stack = DevStack.start(new DevOptions("127.0.0.1", 0, 0, Duration.ZERO, Duration.ofMillis(50), Map.of()));
        stack.routes()
                .put(new Route(
                        ALIAS,
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                "upstream-1",
                                upstream.baseUrl().toString(),
                                null,
                                Pricing.FREE,
                                Duration.ofSeconds(10)))));
        key = DevStack.createKey(stack.keys(), "load", "load", Limits.requestsPerMinute(1_000_000));
    }

    @AfterAll
    static void stop() {
        stack.close();
        upstream.close();
    }

    @Test
    void concurrentStreamsWithRpmKey_reuseDynamoDbConnectionsDrainUsageAndKeepOneCounterPerWindow() throws Exception {
        Instant began = Instant.now();
        assertThat(sendConcurrently(1)).isEqualTo(CLIENTS); // warm-up: every client's connections exist now
        long acceptedBefore = stack.dynamoDbConnectionsAccepted();

        int served = sendConcurrently(REQUESTS_PER_CLIENT);

        long opened = stack.dynamoDbConnectionsAccepted() - acceptedBefore;
        assertThat(served).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
        // At most one connection per concurrent caller. With the JDK's default of 5 idle connections per host,
        // every call beyond the fifth concurrent one closed its connection: about 1 in 5 calls opened a new one.
        assertThat(opened)
                .as("connections DynamoDB Local accepted for %d requests", served)
                .isLessThanOrEqualTo(CLIENTS);

        long total = CLIENTS * (REQUESTS_PER_CLIENT + 1L);
        assertThat(awaitUsageRequests(total)).isEqualTo(total);
        assertThat(stack.usageStream().pendingCount()).isZero();
        long windows = Duration.between(began, Instant.now()).toMinutes() + 2;
        int counters = stack.dynamo()
                .scan(r -> r.tableName(stack.tables().counters()).select(Select.COUNT))
                .count();
        assertThat(counters)
                .as("RPM counter items: one per key and minute window")
                .isBetween(1, (int) windows);
    }

    /** Each of {@link #CLIENTS} virtual threads sends {@code each} streamed requests; returns the complete ones. */
    private static int sendConcurrently(int each) throws InterruptedException {
        AtomicInteger complete = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < each; i++) {
                    try {
                        HttpResponse<String> response = CLIENT.send(chat(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200 && response.body().contains("data: [DONE]")) {
                            complete.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        // counted as incomplete
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(60));
        }
        return complete.get();
    }

    private static HttpRequest chat() {
        return HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"load","stream":true,"stream_options":{"include_usage":true},
                         "messages":[{"role":"user","content":"hi"}]}"""))
                .build();
    }

    private static long awaitUsageRequests(long expected) throws InterruptedException {
        DynamoDbUsageStore usage =
                new DynamoDbUsageStore(stack.dynamo(), stack.tables().usage());
        Instant deadline = Instant.now().plusSeconds(30);
        long requests = 0;
        while (Instant.now().isBefore(deadline)) {
            requests = usage.query("load", "day#").stream()
                    .map(UsageRow::totals)
                    .reduce(UsageTotals.ZERO, UsageTotals::plus)
                    .requests();
            if (requests >= expected && stack.usageStream().pendingCount() == 0) {
                return requests;
            }
            Thread.sleep(50);
        }
        return requests;
    }
}
