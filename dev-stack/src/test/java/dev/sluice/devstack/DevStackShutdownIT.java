package dev.sluice.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.openai.OpenAiCompatibleProvider;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.StreamHold;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C on {@code gatewayctl dev} runs {@link DevStack#close()}: it must return within 10 s even with streams in
 * flight, finish the streams that end within the grace, cut the others, and still write every stream's usage to the
 * usage table before DynamoDB Local stops.
 */
class DevStackShutdownIT {
    private static final Duration STOP_LIMIT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    private DevStack startStack() throws IOException {
        DevStack stack =
                DevStack.start(new DevOptions("127.0.0.1", 0, 0, Duration.ZERO, Duration.ofMillis(100), Map.of()));
        toClose.add(stack); // closing twice must be harmless
        return stack;
    }

    private FakeUpstream upstream(DevStack stack, String alias) {
        FakeUpstream upstream = FakeUpstream.start();
        toClose.add(upstream);
        stack.routes()
                .put(new Route(
                        alias,
                        List.of(new Deployment(
                                OpenAiCompatibleProvider.TYPE,
                                "upstream-" + alias,
                                upstream.baseUrl().toString(),
                                null,
                                Pricing.FREE,
                                Duration.ofSeconds(60)))));
        return upstream;
    }

    private static HttpRequest streamRequest(DevStack stack, String alias) {
        return HttpRequest.newBuilder(URI.create(stack.routerUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + stack.demoKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + alias + "\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}"))
                .build();
    }

    /** Sends a streamed chat request and returns its body once the first line arrived. */
    private static BufferedReader stream(DevStack stack, String alias) throws Exception {
        HttpResponse<InputStream> response =
                CLIENT.send(streamRequest(stack, alias), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(body.readLine()).startsWith("data: ");
        return body;
    }

    /** Reads the rest of a stream in the background; completes with whether it ended with {@code [DONE]}. */
    private static CompletableFuture<Boolean> drain(BufferedReader body) {
        return CompletableFuture.supplyAsync(() -> {
            boolean done = false;
            try {
                for (String line = body.readLine(); line != null; line = body.readLine()) {
                    done |= line.equals("data: [DONE]");
                }
            } catch (IOException cut) {
                // a cut stream may end with a reset rather than an end of file
            }
            return done;
        });
    }

    private static Duration timeToClose(DevStack stack) {
        long began = System.nanoTime();
        stack.close();
        return Duration.ofNanos(System.nanoTime() - began);
    }

    @Test
    void close_withAStalledAndAPacedStreamInFlight_stopsWithin10s_andDeliversBothUsageEvents() throws Exception {
        DevStack stack = startStack();
        FakeUpstream stalled = upstream(stack, "stalled");
        StreamHold hold = stalled.holdAfterFirstChunk(); // the upstream goes silent after its role chunk
        toClose.add(hold::release);
        FakeUpstream paced = upstream(stack, "paced");
        paced.streamContent(IntStream.range(0, 200).mapToObj(i -> "w" + i + " ").toList());
        paced.delayBetweenChunks(Duration.ofMillis(300)); // a minute of output
        // Nothing but a role chunk has come from the stalled upstream, so the client has no response yet.
        CompletableFuture<HttpResponse<String>> stalledResponse =
                CLIENT.sendAsync(streamRequest(stack, "stalled"), HttpResponse.BodyHandlers.ofString());
        assertThat(hold.awaitHeld(Duration.ofSeconds(10))).isTrue();
        CompletableFuture<Boolean> pacedEnd = drain(stream(stack, "paced"));

        Duration took = timeToClose(stack);

        assertThat(took).isLessThan(STOP_LIMIT);
        assertThat(pacedEnd.get(5, TimeUnit.SECONDS))
                .as("a cut stream has no [DONE]")
                .isFalse();
        assertThat(stalledResponse).failsWithin(5, TimeUnit.SECONDS); // cut: the connection closed
        assertThat(stack.usageStream().pendingCount()).isZero();
        assertThat(stack.usageStream().deliveredCount())
                .as("usage rows written for both requests")
                .isEqualTo(2);
    }

    @Test
    void close_withAStreamEndingWithinTheGrace_letsItFinish_andDeliversItsUsage() throws Exception {
        DevStack stack = startStack();
        FakeUpstream upstream = upstream(stack, "short");
        upstream.streamContent("one ", "two ", "three ", "four ", "five.");
        upstream.delayBetweenChunks(Duration.ofMillis(250)); // ends ~2 s after it starts
        CompletableFuture<Boolean> end = drain(stream(stack, "short"));

        Duration took = timeToClose(stack);

        assertThat(took).isLessThan(STOP_LIMIT);
        assertThat(end.get(5, TimeUnit.SECONDS))
                .as("the stream finished with [DONE]")
                .isTrue();
        assertThat(stack.usageStream().deliveredCount()).isEqualTo(1);
    }

    @Test
    void close_withNothingInFlight_isQuick() throws Exception {
        DevStack stack = startStack();

        assertThat(timeToClose(stack)).isLessThan(Duration.ofSeconds(3));
    }
}
