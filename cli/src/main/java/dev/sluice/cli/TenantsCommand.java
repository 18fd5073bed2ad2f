package dev.sluice.cli;

import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.TenantRepository;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.quota.Limits;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl tenants ...}: the teams or customers that own keys, with the limits, models and networks every one
 * of their keys is held to.
 */
@Command(name = "tenants", description = "Tenants: the limits, models and networks all of their keys are held to.")
final class TenantsCommand {
    /** Tenant ids end up in usage partition keys and key items: plain, printable words. */
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final CliContext cli;

    TenantsCommand(CliContext cli) {
        this.cli = cli;
    }

    @Command(name = "create", description = "Creates a tenant; fails if it exists.")
    void create(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant id.")
                    String tenantId,
            @Option(names = "--name", paramLabel = "N", description = "A display name (default: the id).") String name,
            @Mixin LimitOptions limits,
            @Mixin AccessOptions access,
            @Mixin GuardOptions guard) {
        String id = UsageError.nonBlank("--tenant", tenantId);
        if (!TENANT_ID.matcher(id).matches()) {
            throw new UsageError("--tenant: letters, digits, '.', '_' and '-' (up to 64), not '" + id + "'");
        }
        Tenant tenant = new Tenant(
                id,
                name == null || name.isBlank() ? id : name.strip(),
                Tenant.Status.ACTIVE,
                access.modelsOr(Set.of()),
                limits.over(Limits.NONE),
                access.allowedIpsOr(IpAllowlist.ANY),
                guard.over(GuardPolicy.OFF));
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            if (!repository(dynamo).create(tenant)) {
                throw new CommandFailure("tenant '" + id + "' exists; change it with gatewayctl tenants set");
            }
        }
        cli.out().println("created tenant " + id);
        print(tenant, cli.out());
    }

    @Command(name = "list", description = "Every tenant.")
    void list(@Mixin TableOptions table) {
        List<Tenant> all;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            all = repository(dynamo).findAll();
        }
        String format = "%-20s  %-24s  %-9s  %-24s  %-40s  %s%n";
        cli.out().printf(format, "TENANT", "NAME", "STATUS", "MODELS", "LIMITS", "ALLOW IPS");
        for (Tenant tenant : all) {
            cli.out()
                    .printf(
                            format,
                            tenant.tenantId(),
                            tenant.name(),
                            tenant.status(),
                            AccessOptions.describe(tenant.allowedModels(), "all"),
                            LimitOptions.describe(tenant.limits()),
                            AccessOptions.describe(tenant.allowedIps().cidrs(), "any"));
        }
    }

    @Command(name = "show", description = "One tenant, every field.")
    void show(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant id.")
                    String tenantId) {
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            print(existing(repository(dynamo), tenantId), cli.out());
        }
    }

    @Command(name = "set", description = "Changes the options given, and only those.")
    void set(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant id.")
                    String tenantId,
            @Option(names = "--name", paramLabel = "N", description = "A display name.") String name,
            @Mixin LimitOptions limits,
            @Mixin AccessOptions access,
            @Mixin GuardOptions guard) {
        if (name == null && !limits.anyGiven() && !access.anyGiven() && !guard.anyGiven()) {
            throw new UsageError("nothing to change: give --name, a limit, --models, --allow-ip or a guard option");
        }
        IpAllowlist newIps = access.allowIps == null ? null : access.allowedIpsOr(IpAllowlist.ANY);
        Tenant updated = update(
                table,
                tenantId,
                tenant -> new Tenant(
                        tenant.tenantId(),
                        name == null ? tenant.name() : name.isBlank() ? tenant.tenantId() : name.strip(),
                        tenant.status(),
                        access.modelsOr(tenant.allowedModels()),
                        limits.over(tenant.limits()),
                        newIps == null ? tenant.allowedIps() : newIps,
                        guard.over(tenant.guard())));
        cli.out().println("updated tenant " + updated.tenantId());
        print(updated, cli.out());
    }

    @Command(name = "suspend", description = "Refuses every request of the tenant's keys until resumed.")
    void suspend(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant id.")
                    String tenantId) {
        Tenant tenant = update(table, tenantId, t -> t.withStatus(Tenant.Status.SUSPENDED));
        cli.out().println("tenant " + tenant.tenantId() + " suspended: its keys are refused until resumed");
    }

    @Command(name = "resume", description = "Lets a suspended tenant's keys in again.")
    void resume(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant id.")
                    String tenantId) {
        Tenant tenant = update(table, tenantId, t -> t.withStatus(Tenant.Status.ACTIVE));
        cli.out().println("tenant " + tenant.tenantId() + " active");
    }

    private Tenant update(TableOptions table, String tenantId, UnaryOperator<Tenant> change) {
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            TenantRepository tenants = repository(dynamo);
            Tenant updated = change.apply(existing(tenants, tenantId));
            tenants.put(updated);
            return updated;
        }
    }

    private static Tenant existing(TenantRepository tenants, String tenantId) {
        String id = UsageError.nonBlank("--tenant", tenantId);
        return tenants.find(id)
                .orElseThrow(() -> new CommandFailure(
                        "no tenant '" + id + "'; create it with gatewayctl tenants create --tenant " + id));
    }

    private TenantRepository repository(DynamoDbClient dynamo) {
        return ManagedTables.open(cli, dynamo).tenants();
    }

    static void print(Tenant tenant, PrintStream out) {
        Limits limits = tenant.limits();
        String format = "  %-17s %s%n";
        out.printf(format, "tenant", tenant.tenantId());
        out.printf(format, "name", tenant.name());
        out.printf(format, "status", tenant.status());
        out.printf(format, "models", AccessOptions.describe(tenant.allowedModels(), "all"));
        out.printf(format, "rpm", count(limits.requestsPerMinute()));
        out.printf(format, "tpm", count(limits.tokensPerMinute()));
        out.printf(format, "max concurrent", count(limits.maxConcurrent()));
        out.printf(format, "budget per day", money(limits.budgetMicrosPerDay()));
        out.printf(format, "budget per month", money(limits.budgetMicrosPerMonth()));
        out.printf(
                format, "allow ips", AccessOptions.describe(tenant.allowedIps().cidrs(), "any"));
        out.printf(format, "guard", GuardOptions.describe(tenant.guard()));
    }

    private static String count(long n) {
        return n == 0 ? "no limit" : Long.toString(n);
    }

    private static String money(long micros) {
        return micros == 0 ? "no limit" : Money.display(micros);
    }
}
