package dev.sluice.cli;

import dev.sluice.health.HealthStore;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code gatewayctl routes list|put|apply|health}: model aliases and the deployments that serve them. */
@Command(name = "routes", description = "Model aliases and the deployments that serve them.")
final class RoutesCommand {
    private final CliContext cli;

    RoutesCommand(CliContext cli) {
        this.cli = cli;
    }

    @Command(name = "list", description = "Every route, one line per deployment.")
    void list(@Mixin TableOptions table) {
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            repository(dynamo)
                    .findAll()
                    .forEach(route -> route.deployments()
                            .forEach(d -> cli.out()
                                    .printf(
                                            "%-24s %-18s %-28s %s%n",
                                            route.alias(),
                                            d.provider(),
                                            d.upstreamModel(),
                                            d.baseUrl() == null ? "" : d.baseUrl())));
        }
    }

    @Command(
            name = "put",
            description = {
                "Writes a route: from a file (one or more deployments, in failover order), or one deployment from "
                        + "options.",
                "P: demo openai azure-openai anthropic gemini bedrock deepseek qwen mistral groq together vllm "
                        + "ollama openai-compatible"
            })
    void put(@Mixin TableOptions table, @Mixin RouteOptions options) {
        Route route = options.file == null ? options.route() : options.fromFile();
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            repository(dynamo).put(route);
        }
        cli.out()
                .println("route " + route.alias() + " -> "
                        + route.deployments().stream()
                                .map(d -> d.provider() + " " + d.upstreamModel())
                                .collect(Collectors.joining(", then ")));
    }

    @Command(
            name = "apply",
            description = {
                "Makes the routes table match a routing file (JSON or YAML, one route or {routes: [...]}): prints "
                        + "the difference, then writes it.",
                "+ added, ~ changed (with the fields), = unchanged, - removed (--prune). Nothing is written when "
                        + "any route in the file is invalid."
            })
    void apply(
            @Mixin TableOptions table,
            @Option(
                            names = {"-f", "--file"},
                            paramLabel = "FILE",
                            required = true,
                            description = "A routing file, such as cli/routes/rules.yaml.")
                    Path file,
            @Option(names = "--prune", description = "Also remove the aliases in the table that the file lacks.")
                    boolean prune,
            @Option(names = "--dry-run", description = "Print the difference, write nothing.") boolean dryRun) {
        List<Route> wanted = RouteFiles.readAll(file);
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            RouteRepository routes = repository(dynamo);
            RoutePlan plan = RoutePlan.of(wanted, routes.findAll(), prune);
            printPlan(plan);
            if (!dryRun) {
                plan.writes().forEach(routes::put);
                plan.removals().forEach(routes::delete);
            }
            cli.out()
                    .printf(
                            "%s: %d added, %d changed, %d removed, %d unchanged%n",
                            dryRun ? "dry run, nothing written" : "applied",
                            plan.count(RoutePlan.Kind.ADDED),
                            plan.count(RoutePlan.Kind.CHANGED),
                            plan.count(RoutePlan.Kind.REMOVED),
                            plan.count(RoutePlan.Kind.UNCHANGED));
        }
    }

    private void printPlan(RoutePlan plan) {
        for (RoutePlan.Change change : plan.changes()) {
            cli.out().println(change.kind().mark + " " + change.route().alias());
            change.details().forEach(line -> cli.out().println("    " + line));
        }
        if (!plan.kept().isEmpty()) {
            cli.out().println("(kept, not in file: " + String.join(", ", plan.kept()) + "; --prune removes them)");
        }
    }

    @Command(
            name = "health",
            description = "Every deployment of every route: its shared circuit breaker, time to first token, error "
                    + "rate and last failure, as the gateway's instances last published them.")
    void health(@Mixin TableOptions table) {
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            HealthStore store = cli.healthStores().open(dynamo, TableOptions.tables(cli.env()));
            HealthReport.print(
                    HealthReport.rows(
                            repository(dynamo).findAll(),
                            store.readAll(),
                            cli.clock().instant()),
                    cli.out());
        }
    }

    private RouteRepository repository(DynamoDbClient dynamo) {
        return ManagedTables.open(cli, dynamo).routes();
    }

    /** {@code --file F}, or the options of a single deployment; not both. */
    static final class RouteOptions {
        @Option(names = "--file", paramLabel = "F", description = "A route file, such as cli/routes/anthropic.json.")
        Path file;

        @Option(names = "--alias", paramLabel = "A", description = "The model name clients send.")
        String alias;

        @Option(names = "--provider", paramLabel = "P", description = "The provider type (see below).")
        String provider;

        @Option(names = "--model", paramLabel = "M", description = "The provider's model id.")
        String model;

        @Option(
                names = "--base-url",
                paramLabel = "URL",
                description = "The provider's endpoint, when not the default.")
        String baseUrl;

        @Option(names = "--secret-ref", paramLabel = "NAME", description = "The secret holding the provider's key.")
        String secretRef;

        @Option(names = "--input-usd-per-1m", paramLabel = "USD", defaultValue = "0", description = "e.g. 0.15")
        String inputUsdPer1m;

        @Option(names = "--output-usd-per-1m", paramLabel = "USD", defaultValue = "0", description = "e.g. 0.60")
        String outputUsdPer1m;

        @Option(names = "--cached-input-usd-per-1m", paramLabel = "USD", defaultValue = "0", description = "e.g. 0.075")
        String cachedInputUsdPer1m;

        @Option(
                names = "--timeout-seconds",
                paramLabel = "N",
                defaultValue = "60",
                description = "Until the first byte (60).")
        long timeoutSeconds;

        @Option(names = "--options", paramLabel = "k=v,k=v", description = "Provider options.")
        String providerOptions;

        Route fromFile() {
            boolean mixed = Stream.of(alias, provider, model, baseUrl, secretRef, providerOptions)
                    .anyMatch(value -> value != null);
            if (mixed) {
                throw new UsageError("--file holds the whole route: give it alone, or the options without it");
            }
            return RouteFiles.read(file);
        }

        Route route() {
            Pricing pricing = new Pricing(
                    Money.usdToMicros(inputUsdPer1m),
                    Money.usdToMicros(outputUsdPer1m),
                    Money.usdToMicros(cachedInputUsdPer1m));
            if (timeoutSeconds < 1) {
                throw new UsageError("--timeout-seconds must be at least 1");
            }
            return new Route(
                    UsageError.nonBlank("--alias", alias),
                    List.of(new Deployment(
                            UsageError.nonBlank("--provider", provider),
                            UsageError.nonBlank("--model", model),
                            baseUrl,
                            secretRef,
                            pricing,
                            Duration.ofSeconds(timeoutSeconds),
                            options(providerOptions))));
        }

        /** {@code k=v,k2=v2} to a map of provider options. */
        private static Map<String, String> options(String list) {
            Map<String, String> options = new LinkedHashMap<>();
            if (list != null) {
                for (String pair : list.split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq < 1) {
                        throw new UsageError("--options takes key=value pairs separated by commas");
                    }
                    options.put(
                            pair.substring(0, eq).strip(),
                            pair.substring(eq + 1).strip());
                }
            }
            return options;
        }
    }
}
