package dev.sluice.provider.openai;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.error.GatewayException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many streams needing a token at once (an environment serving many streams when the token expires) cause one token
 * request, and share its answer or its failure; a failure is not cached.
 */
@Timeout(30)
class EntraTokenSourceTest {
    private static final String PRINCIPAL = "{\"tenantId\":\"t-1\",\"clientId\":\"c-1\",\"clientSecret\":\"s3cret\"}";

    private final AtomicInteger requests = new AtomicInteger();
    private volatile int status = 200;
    private HttpServer login;

    @BeforeEach
    void start() throws IOException {
        login = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        login.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        login.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int n = requests.incrementAndGet();
            try {
                Thread.sleep(500); // slow enough that every caller arrives while the first one waits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = (status == 200
                            ? "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok-" + n + "\"}"
                            : "{\"error\":\"temporarily_unavailable\"}")
                    .getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        login.start();
    }

    @AfterEach
    void stop() {
        login.stop(0);
    }

    @Test
    void concurrentCallersShareOneTokenRequest() throws Exception {
        EntraTokenSource source = new EntraTokenSource(Duration.ofSeconds(2), Clock.systemUTC());

        List<Object> answers = callAtOnce(source, 16);

        assertThat(requests.get()).isEqualTo(1);
        assertThat(answers).containsOnly("tok-1");
        assertThat(source.token(PRINCIPAL, authority(), EntraTokenSource.PUBLIC_SCOPE))
                .isEqualTo("tok-1");
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void aFailedRequestFailsEveryWaitingCaller_andTheNextCallTriesAgain() throws Exception {
        EntraTokenSource source = new EntraTokenSource(Duration.ofSeconds(2), Clock.systemUTC());
        status = 503;

        List<Object> answers = callAtOnce(source, 8);

        assertThat(requests.get()).isEqualTo(1);
        assertThat(answers).allSatisfy(answer -> assertThat(answer).isInstanceOf(GatewayException.class));
        status = 200;
        assertThat(source.token(PRINCIPAL, authority(), EntraTokenSource.PUBLIC_SCOPE))
                .isEqualTo("tok-2");
    }

    /** Each caller's token, or the exception it got. */
    private List<Object> callAtOnce(EntraTokenSource source, int callers) throws Exception {
        List<Object> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Object>> calls = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                calls.add(threads.submit(() -> {
                    try {
                        return source.token(PRINCIPAL, authority(), EntraTokenSource.PUBLIC_SCOPE);
                    } catch (GatewayException e) {
                        return e;
                    }
                }));
            }
            for (Future<Object> call : calls) {
                answers.add(call.get(20, TimeUnit.SECONDS));
            }
        }
        return answers;
    }

    private String authority() {
        return "http://127.0.0.1:" + login.getAddress().getPort();
    }
}
