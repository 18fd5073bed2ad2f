package dev.sluice.cli;

import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.devstack.LocalUpstream;
import dev.sluice.route.Route;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatewayctl dev}: the whole gateway on this machine until Ctrl-C. */
@Command(
        name = "dev",
        description = "The whole gateway on this machine: DynamoDB Local, demo model, usage aggregation.")
final class DevCommand implements Callable<Integer> {
    private final CliContext cli;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Gateway port (8080).")
    int port;

    @Option(
            names = "--dynamodb-port",
            paramLabel = "PORT",
            defaultValue = "8000",
            description = "DynamoDB Local port (8000).")
    int dynamoDbPort;

    @Option(
            names = "--demo-delay-ms",
            paramLabel = "MS",
            defaultValue = "30",
            description = "Pause between the demo model's tokens (30).")
    long demoDelayMillis;

    DevCommand(CliContext cli) {
        this.cli = cli;
    }

    /** {@code gatewayctl dev upstream}: a stand-in provider to route to, stop and start again, until Ctrl-C. */
    @Command(
            name = "upstream",
            description = {
                "A stand-in provider on this machine: an OpenAI-compatible server whose every model is the demo "
                        + "model. Route to it as provider openai-compatible, baseUrl http://127.0.0.1:PORT/v1, "
                        + "secretRef local-upstream (see cli/routes/failover-local.yaml); stop it with Ctrl-C to see "
                        + "failover, start it again to see the breaker close."
            })
    int upstream(
            @Option(names = "--port", paramLabel = "PORT", required = true, description = "Port on 127.0.0.1.")
                    int upstreamPort,
            @Option(
                            names = "--first-byte-delay-ms",
                            paramLabel = "MS",
                            defaultValue = "0",
                            description = "Pause before each answer (0): a slower model for the latency strategy.")
                    long firstByteDelayMillis,
            @Option(
                            names = "--word-delay-ms",
                            paramLabel = "MS",
                            defaultValue = "30",
                            description = "Pause between the demo model's words (30).")
                    long wordDelayMillis)
            throws InterruptedException {
        if (firstByteDelayMillis < 0 || wordDelayMillis < 0) {
            throw new UsageError("delays must be 0 or more");
        }
        LocalUpstream upstream = LocalUpstream.start(
                upstreamPort, Duration.ofMillis(firstByteDelayMillis), Duration.ofMillis(wordDelayMillis));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            upstream.close();
            stopped.countDown();
        }));
        cli.out()
                .printf(
                        "Local upstream on %s (every model is the demo model; first byte after %d ms). Ctrl-C stops it.%n",
                        upstream.baseUrl(), firstByteDelayMillis);
        cli.out().flush();
        stopped.await();
        return 0;
    }

    @Override
    public Integer call() throws Exception {
        DevOptions options = DevOptions.defaults(cli.env())
                .withPorts(port, dynamoDbPort)
                .withDemoDelay(Duration.ofMillis(demoDelayMillis));
        // One JSON line per request on stderr (gatewayctl's other commands stay quiet at WARN), unless the environment
        // sets SLUICE_LOG_LEVEL.
        if (!cli.env().containsKey("SLUICE_LOG_LEVEL")) {
            org.apache.logging.log4j.core.config.Configurator.setLevel(
                    "dev.sluice.request", org.apache.logging.log4j.Level.INFO);
            // SLUICE_TRACES=log: one JSON line per span beside them.
            org.apache.logging.log4j.core.config.Configurator.setLevel(
                    "dev.sluice.trace", org.apache.logging.log4j.Level.INFO);
        }
        DevStack stack = DevStack.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cli.out()
                    .println(
                            "\nStopping Sluice dev stack: streams in flight get a few seconds to finish, then are cut; "
                                    + "their usage is delivered before DynamoDB Local stops...");
            stack.close();
            stopped.countDown();
        }));
        printBanner(stack);
        stopped.await();
        return 0;
    }

    /**
     * The budget loop sends 25 requests: the demo model's answer to it costs about $0.00005 at {@link
     * DevStack#DEMO_PRICING}, so a fresh thrifty tenant's $0.001 lasts about 20 (measured), and the last few are
     * refused.
     */
    private void printBanner(DevStack stack) {
        String url = stack.routerUrl().toString();
        DevStack.DemoKeys keys = stack.demoKeys();
        String budget = Money.display(DevStack.THRIFTY_BUDGET_MICROS_PER_DAY);
        cli.out()
                .printf(
                        """

                Sluice dev stack is up.
                  gateway   %s   (OpenAI SDKs: base URL %s/v1; Anthropic SDKs: base URL %s)
                  metrics   %s/metrics   (Prometheus: requests, latency, tokens, cost, cache, breakers)
                  dynamodb  %s   (DynamoDB Local, in memory: tenants, keys, routes, counters, usage, response cache, audit log)
                  models    %s
                  tenant    %s
                  demo key  %s
                  limited   %s   (%d requests per minute, to see a 429)
                  admin key %s   (manages the demo tenant's keys and mints session tokens under /sluice/v1)
                  thrifty   %s   (tenant %s, %s a day, to see a budget refusal)

                Stream a chat completion:

                  curl -N %s/v1/chat/completions \\
                    -H "Authorization: Bearer %s" \\
                    -H "Content-Type: application/json" \\
                    -d '{"model":"demo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello, Sluice!"}]}'

                The same through Anthropic's Messages API:

                  curl -N %s/v1/messages \\
                    -H "x-api-key: %s" -H "anthropic-version: 2023-06-01" \\
                    -H "Content-Type: application/json" \\
                    -d '{"model":"demo","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Hello, Sluice!"}]}'

                Spend a budget: the %s tenant's %s daily budget answers 429 insufficient_quota once spent:

                  for i in $(seq 1 25); do curl -s -o /dev/null -w '%%{http_code} ' %s/v1/chat/completions -H "Authorization: Bearer %s" -H "Content-Type: application/json" -d '{"model":"demo","messages":[{"role":"user","content":"Hello, Sluice!"}]}'; done; echo

                Mint a session token (short-lived, for a browser or a job) with the admin key:

                  ./gatewayctl sessions mint --key %s --url %s --ttl 10m --models demo

                See the usage rows (in another terminal, from this folder):

                  ./gatewayctl usage --tenant %s --dynamodb-endpoint %s --emulator

                See who changed what (keys made with the admin key, session tokens, gatewayctl changes):

                  ./gatewayctl audit --dynamodb-endpoint %s --emulator

                Press Ctrl-C to stop.
                """,
                        url,
                        url,
                        url,
                        url,
                        stack.dynamoDbEndpoint(),
                        stack.routes().findAll().stream().map(Route::alias).collect(Collectors.joining(", ")),
                        DevStack.DEMO_TENANT,
                        keys.demo(),
                        keys.limited(),
                        DevStack.LIMITED_KEY_RPM,
                        keys.admin(),
                        keys.thrifty(),
                        DevStack.THRIFTY_TENANT,
                        budget,
                        url,
                        keys.demo(),
                        url,
                        keys.demo(),
                        DevStack.THRIFTY_TENANT,
                        budget,
                        url,
                        keys.thrifty(),
                        keys.admin(),
                        url,
                        DevStack.DEMO_TENANT,
                        stack.dynamoDbEndpoint(),
                        stack.dynamoDbEndpoint());
    }
}
