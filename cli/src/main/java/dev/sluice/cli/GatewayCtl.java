package dev.sluice.cli;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.devstack.DevOptions;
import dev.sluice.devstack.DevStack;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.TableNames;
import dev.sluice.usage.aggregate.UsageTotals;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageRow;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl}: runs the local dev stack and manages keys, routes and usage in any Sluice deployment's tables
 * (AWS itself, or an endpoint given by {@code --dynamodb-endpoint} / {@code SLUICE_DYNAMODB_ENDPOINT}, declared an
 * emulator with {@code --emulator} / {@code SLUICE_AWS_EMULATOR=true}).
 */
public final class GatewayCtl {
    private static final String HELP = """
            gatewayctl — Sluice's command line

              gatewayctl dev [--port 8080] [--dynamodb-port 8000] [--demo-delay-ms 30]
                  the whole gateway on this machine: DynamoDB Local, demo model, usage aggregation
              gatewayctl usage --tenant T [--period 2026-11 | 2026-11-23] [--csv]
              gatewayctl keys create --tenant T [--name N] [--rpm N] [--models a,b] [--expires-in-days N]
              gatewayctl routes list
              gatewayctl routes put --file cli/routes/anthropic.json    (a route with one or more deployments)
              gatewayctl routes put --alias A --provider P --model M [--base-url URL] [--secret-ref NAME]
                  [--input-usd-per-1m 0.15] [--output-usd-per-1m 0.60] [--cached-input-usd-per-1m 0.075]
                  [--timeout-seconds 60] [--options key=value,key=value]
                  P: demo openai azure-openai anthropic gemini bedrock deepseek qwen mistral groq together
                     vllm ollama openai-compatible

            Commands other than dev use the tables named by SLUICE_KEYS_TABLE, SLUICE_ROUTES_TABLE,
            SLUICE_USAGE_TABLE (default sluice-keys, sluice-routes, sluice-usage) in AWS_REGION, or in the
            endpoint --dynamodb-endpoint URL (env SLUICE_DYNAMODB_ENDPOINT). Add --emulator (env
            SLUICE_AWS_EMULATOR=true) when that endpoint is an emulator (the dev stack, LocalStack, Floci): only then
            are dummy credentials used; otherwise the AWS credentials chain applies (a VPC endpoint, for one).
            """;

    private final Map<String, String> env;
    private final PrintStream out;

    GatewayCtl(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    public static void main(String[] argv) throws Exception {
        // Libraries on the class path may bring their own log4j2 configuration; use gatewayctl's own.
        System.setProperty("log4j2.configurationFile", "gatewayctl-log4j2.xml");
        int status = new GatewayCtl(System.getenv(), System.out).run(argv);
        if (status != 0) {
            System.exit(status);
        }
    }

    int run(String[] argv) throws Exception {
        Args args = new Args(argv);
        String command = args.positional(0);
        try {
            if (command == null || command.equals("help") || args.flag("help")) {
                out.print(HELP);
                return command == null ? 2 : 0;
            }
            switch (command) {
                case "dev" -> dev(args);
                case "usage" -> usage(args);
                case "keys" -> keys(args);
                case "routes" -> routes(args);
                default -> throw new Args.UsageError("unknown command '" + command + "'");
            }
            return 0;
        } catch (Args.UsageError e) {
            System.err.println("gatewayctl: " + e.getMessage());
            System.err.print(HELP);
            return 2;
        }
    }

    private void dev(Args args) throws Exception {
        DevOptions options = DevOptions.defaults(env)
                .withPorts((int) args.number("port", 8080), (int) args.number("dynamodb-port", 8000))
                .withDemoDelay(Duration.ofMillis(args.number("demo-delay-ms", 30)));
        DevStack stack = DevStack.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("\nStopping Sluice dev stack: streams in flight get a few seconds to finish, then are cut; "
                    + "their usage is delivered before DynamoDB Local stops...");
            stack.close();
            stopped.countDown();
        }));
        printBanner(stack);
        stopped.await();
    }

    private void printBanner(DevStack stack) {
        String url = stack.routerUrl().toString();
        out.printf(
                """

                Sluice dev stack is up.
                  gateway   %s   (OpenAI SDKs: base URL %s/v1; Anthropic SDKs: base URL %s)
                  dynamodb  %s   (DynamoDB Local, in memory: keys, routes, counters, usage)
                  models    %s
                  tenant    %s
                  demo key  %s
                  limited   %s   (%d requests per minute, to see a 429)

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

                See the usage rows (in another terminal, from this folder):

                  ./gatewayctl usage --tenant %s --dynamodb-endpoint %s --emulator

                Press Ctrl-C to stop.
                """,
                url,
                url,
                url,
                stack.dynamoDbEndpoint(),
                stack.routes().findAll().stream().map(Route::alias).collect(Collectors.joining(", ")),
                DevStack.DEMO_TENANT,
                stack.demoKey(),
                stack.limitedKey(),
                DevStack.LIMITED_KEY_RPM,
                url,
                stack.demoKey(),
                url,
                stack.demoKey(),
                DevStack.DEMO_TENANT,
                stack.dynamoDbEndpoint());
    }

    private void usage(Args args) {
        String tenant = args.required("tenant");
        String period = args.option("period", "");
        List<UsageRow> rows = new DynamoDbUsageStore(dynamo(args), tables().usage()).query(tenant, "day#" + period);
        if (args.flag("csv")) {
            out.println("tenant,day,model,key,requests,errors,prompt_tokens,completion_tokens,cached_prompt_tokens,"
                    + "reasoning_tokens,cost_usd");
            for (UsageRow row : rows) {
                UsageTotals t = row.totals();
                out.println(String.join(
                        ",",
                        row.tenantId(),
                        row.day(),
                        row.alias(),
                        row.keyId(),
                        Long.toString(t.requests()),
                        Long.toString(t.errors()),
                        Long.toString(t.promptTokens()),
                        Long.toString(t.completionTokens()),
                        Long.toString(t.cachedPromptTokens()),
                        Long.toString(t.reasoningTokens()),
                        Money.microsToUsd(t.costMicros())));
            }
            return;
        }
        String format = "%-10s  %-20s  %-16s  %8s  %6s  %10s  %10s  %10s  %12s%n";
        out.printf(format, "DAY", "MODEL", "KEY", "REQUESTS", "ERRORS", "PROMPT", "COMPLETION", "TOTAL", "COST USD");
        UsageTotals sum = UsageTotals.ZERO;
        for (UsageRow row : rows) {
            UsageTotals t = row.totals();
            sum = sum.plus(t);
            out.printf(
                    format,
                    row.day(),
                    row.alias(),
                    row.keyId(),
                    t.requests(),
                    t.errors(),
                    t.promptTokens(),
                    t.completionTokens(),
                    t.totalTokens(),
                    Money.microsToUsd(t.costMicros()));
        }
        out.printf(
                format,
                "TOTAL",
                "",
                "",
                sum.requests(),
                sum.errors(),
                sum.promptTokens(),
                sum.completionTokens(),
                sum.totalTokens(),
                Money.microsToUsd(sum.costMicros()));
    }

    private void keys(Args args) {
        if (!"create".equals(args.positional(1))) {
            throw new Args.UsageError("usage: gatewayctl keys create --tenant T ...");
        }
        String tenant = args.required("tenant");
        String key = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(key);
        long days = args.number("expires-in-days", 0);
        Set<String> models = args.option("models") == null
                ? Set.of()
                : Arrays.stream(args.option("models").split(","))
                        .map(String::strip)
                        .filter(m -> !m.isEmpty())
                        .collect(Collectors.toSet());
        ApiKey record = new ApiKey(
                ApiKeys.keyIdFor(hash),
                tenant,
                args.option("name", ""),
                ApiKey.Role.APP,
                ApiKey.Status.ACTIVE,
                models,
                Limits.requestsPerMinute(args.number("rpm", 0)),
                days > 0 ? Instant.now().plus(Duration.ofDays(days)) : null);
        new DynamoDbKeyRepository(dynamo(args), tables().keys()).put(hash, record);
        out.println("key id  " + record.keyId());
        out.println("api key " + key);
        out.println("(shown once: Sluice stores only its SHA-256)");
    }

    private void routes(Args args) {
        DynamoDbRouteRepository routes = new DynamoDbRouteRepository(dynamo(args), tables().routes());
        switch (args.positional(1) == null ? "" : args.positional(1)) {
            case "list" ->
                routes.findAll()
                        .forEach(route -> route.deployments()
                                .forEach(d -> out.printf(
                                        "%-24s %-18s %-28s %s%n",
                                        route.alias(),
                                        d.provider(),
                                        d.upstreamModel(),
                                        d.baseUrl() == null ? "" : d.baseUrl())));
            case "put" -> {
                if (args.option("file") != null) {
                    Route route = RouteFiles.read(java.nio.file.Path.of(args.option("file")));
                    routes.put(route);
                    out.println("route " + route.alias() + " -> "
                            + route.deployments().stream()
                                    .map(d -> d.provider() + " " + d.upstreamModel())
                                    .collect(Collectors.joining(", then ")));
                    return;
                }
                Pricing pricing = new Pricing(
                        Money.usdToMicros(args.option("input-usd-per-1m", "0")),
                        Money.usdToMicros(args.option("output-usd-per-1m", "0")),
                        Money.usdToMicros(args.option("cached-input-usd-per-1m", "0")));
                if (args.number("timeout-seconds", 60) < 1) {
                    throw new Args.UsageError("--timeout-seconds must be at least 1");
                }
                Route route = new Route(
                        args.required("alias"),
                        List.of(new Deployment(
                                args.required("provider"),
                                args.required("model"),
                                args.option("base-url"),
                                args.option("secret-ref"),
                                pricing,
                                Duration.ofSeconds(args.number("timeout-seconds", 60)),
                                options(args.option("options")))));
                routes.put(route);
                out.println("route " + route.alias() + " -> " + route.primary().provider() + " "
                        + route.primary().upstreamModel());
            }
            default -> throw new Args.UsageError("usage: gatewayctl routes list | routes put --alias A ...");
        }
    }

    /** {@code k=v,k2=v2} to a map of provider options. */
    private static Map<String, String> options(String list) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        if (list != null) {
            for (String pair : list.split(",")) {
                int eq = pair.indexOf('=');
                if (eq < 1) {
                    throw new Args.UsageError("--options takes key=value pairs separated by commas");
                }
                options.put(
                        pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
        }
        return options;
    }

    private DynamoDbClient dynamo(Args args) {
        String endpoint = args.option("dynamodb-endpoint", env.get("SLUICE_DYNAMODB_ENDPOINT"));
        AwsSettings settings = AwsSettings.fromEnvironment(env);
        return AwsClients.create(settings.withEmulator(settings.emulator() || args.flag("emulator")))
                .dynamoDb(endpoint == null ? null : URI.create(endpoint));
    }

    private TableNames tables() {
        return TableNames.fromEnvironment(env);
    }
}
