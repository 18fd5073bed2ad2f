package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The soak's verdict, against a server that answers every request with an error: every interval is a stall. */
class SoakRunTest {

    @Test
    @Timeout(60)
    void run_whenNoStreamCompletes_flagsEveryIntervalAsAStallAndDumpsThreads(@TempDir Path dumps) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"error\":{\"message\":\"unavailable\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        try {
            Target target = Target.streamingChat(
                    StreamingBenchmark.GATEWAY_ALL_LIMITS,
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1"),
                    "sk-test",
                    "bench",
                    3);
            SoakOptions options = SoakOptions.parse("--soak", "0.02", "--interval", "0.4", "--concurrency", "2");
            ByteArrayOutputStream progress = new ByteArrayOutputStream();

            SoakRun.Result result = SoakRun.run(
                    options, target, new NoGauges(), dumps, new PrintStream(progress, true, StandardCharsets.UTF_8));

            assertThat(result.intervals()).hasSize(3);
            assertThat(result.stalledIntervals()).isEqualTo(3);
            assertThat(result.completed()).isZero();
            assertThat(result.errors()).isPositive();
            assertThat(result.errorReasons())
                    .anySatisfy(reason -> assertThat(reason).contains("HTTP 503"));
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("STALL: no stream completed");
            assertThat(result.threadDumps())
                    .hasSize(3)
                    .allSatisfy(dump -> assertThat(dump).startsWith(dumps));
            assertThat(result.threadDumps().getFirst()).content().contains("\"soak-0\"");
            assertThat(result.toMarkdown()).contains("**0 (stall)**", "stalled intervals: 3 (**stall**)");
        } finally {
            server.stop(0);
        }
    }

    private static final class NoGauges implements SoakRun.Gauges {
        @Override
        public int usageBacklog() {
            return 0;
        }

        @Override
        public Map<String, Long> tableItems() {
            return Map.of();
        }

        @Override
        public int dynamoDbPort() {
            return 0;
        }

        @Override
        public int routerPort() {
            return 0;
        }
    }
}
