package dev.sluice.cli;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code gatewayctl}: runs the local dev stack and manages tenants, keys, routes and usage in any Sluice deployment's
 * tables (AWS itself, or an endpoint given by {@code --dynamodb-endpoint} / {@code SLUICE_DYNAMODB_ENDPOINT}, declared
 * an emulator with {@code --emulator} / {@code SLUICE_AWS_EMULATOR=true}), and mints session tokens from a running
 * gateway.
 *
 * <p>Exit status: 0 done, 1 the command failed (it says why), 2 the command line is wrong (picocli says how).
 */
@Command(
        name = "gatewayctl",
        description = "Sluice's command line.",
        subcommands = {
            DevCommand.class,
            UsageCommand.class,
            RoutesCommand.class,
            TenantsCommand.class,
            KeysCommand.class,
            SessionsCommand.class,
            AuditCommand.class,
            GatewayCtl.Help.class
        },
        footer = {
            "",
            "Commands other than dev and sessions use the tables named by SLUICE_KEYS_TABLE, SLUICE_TENANTS_TABLE, "
                    + "SLUICE_ROUTES_TABLE, SLUICE_USAGE_TABLE, SLUICE_AUDIT_TABLE (default sluice-keys, "
                    + "sluice-tenants, sluice-routes, sluice-usage, sluice-audit; SLUICE_TABLE_PREFIX replaces "
                    + "'sluice-') in AWS_REGION, or in the endpoint "
                    + "--dynamodb-endpoint URL (env SLUICE_DYNAMODB_ENDPOINT). Add --emulator (env "
                    + "SLUICE_AWS_EMULATOR=true) when that endpoint is an emulator (the dev stack, LocalStack, Floci): "
                    + "only then are dummy credentials used; otherwise the AWS credentials chain applies (a VPC "
                    + "endpoint, for one).",
            "",
            "Every change to tenants, keys and routes is first recorded in the audit log (gatewayctl audit), as "
                    + "SLUICE_ACTOR (or the OS user) followed by @gatewayctl; when that record cannot be written, "
                    + "nothing is changed and the command fails.",
            "",
            "gatewayctl help COMMAND... shows a command's options. Exit status: 0 done, 1 the command failed, "
                    + "2 a usage error."
        })
public final class GatewayCtl implements Callable<Integer> {
    static final int FAILED = 1;
    static final int USAGE = 2;

    /** Keys and session tokens that a mistyped command line could echo back in an error message. */
    private static final Pattern SECRET = Pattern.compile("sk-sluice-[^\\s',\"]+");

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            scope = ScopeType.INHERIT,
            description = "Show this help.")
    boolean help;

    private final CliContext cli;

    GatewayCtl(Map<String, String> env, PrintStream out) {
        this(env, out, System.err);
    }

    GatewayCtl(Map<String, String> env, PrintStream out, PrintStream err) {
        this(new CliContext(env, out, err));
    }

    GatewayCtl(CliContext cli) {
        this.cli = cli;
    }

    public static void main(String[] argv) {
        // Libraries on the class path may bring their own log4j2 configuration; use gatewayctl's own.
        System.setProperty("log4j2.configurationFile", "gatewayctl-log4j2.xml");
        int status = new GatewayCtl(System.getenv(), System.out).run(argv);
        if (status != 0) {
            System.exit(status);
        }
    }

    int run(String[] argv) {
        PrintWriter out = writer(cli.out());
        PrintWriter err = writer(cli.err());
        CommandLine commandLine = new CommandLine(this, new ContextFactory(cli))
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(GatewayCtl::invalidInput)
                .setExecutionExceptionHandler(GatewayCtl::failed);
        try {
            return commandLine.execute(argv);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** {@code gatewayctl} alone: a command is missing. */
    @Override
    public Integer call() {
        throw new UsageError("which command? (gatewayctl help lists them)");
    }

    private static int invalidInput(ParameterException e, String[] argv) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println("gatewayctl: " + redact(e.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.print(commandLine.getUsageMessage(commandLine.getColorScheme()));
        return USAGE;
    }

    private static int failed(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof UsageError) {
            err.println("gatewayctl: " + redact(e.getMessage()));
            err.print(commandLine.getUsageMessage(commandLine.getColorScheme()));
            return USAGE;
        }
        String message = e instanceof CommandFailure
                        || e.getMessage() != null && !e.getMessage().isBlank()
                ? e.getMessage()
                : e.toString();
        err.println("gatewayctl: " + redact(message));
        return FAILED;
    }

    private static String redact(String message) {
        return message == null ? "" : SECRET.matcher(message).replaceAll("sk-sluice-…(redacted)");
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, stream.charset()), true);
    }

    /** {@code gatewayctl help [COMMAND...]}: the usage of gatewayctl or of a command, on standard output. */
    @Command(name = "help", helpCommand = true, description = "Shows the help of gatewayctl or of a command.")
    static final class Help implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command, such as: keys create.")
        List<String> path = List.of();

        @Override
        public void run() {
            CommandLine target = spec.parent().commandLine();
            for (String name : path) {
                target = target.getSubcommands().get(name);
                if (target == null) {
                    throw new ParameterException(spec.commandLine(), "no command '" + name + "'");
                }
            }
            target.usage(spec.commandLine().getOut());
        }
    }

    /** Gives each command that asks for it (a constructor taking a {@link CliContext}) the environment and streams. */
    private record ContextFactory(CliContext cli) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            Constructor<K> constructor;
            try {
                constructor = type.getDeclaredConstructor(CliContext.class);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
            return constructor.newInstance(cli);
        }
    }
}
