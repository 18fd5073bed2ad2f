package dev.sluice.cli;

import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditLog;
import dev.sluice.audit.AuditQuery;
import dev.sluice.audit.AuditedKeyRepository;
import dev.sluice.audit.AuditedRouteRepository;
import dev.sluice.audit.AuditedTenantRepository;
import dev.sluice.audit.Auditor;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.TenantRepository;
import dev.sluice.route.RouteRepository;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.TableNames;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The tenants, keys and routes tables as gatewayctl reads and changes them: the one place commands get them from, so
 * every write is recorded in the audit log first (actor {@link CliContext#actor()}, source {@code gatewayctl}), and a
 * change whose record cannot be written is not made and fails the command.
 */
final class ManagedTables {
    private final DynamoDbClient dynamo;
    private final TableNames names;
    private final Auditor auditor;

    private ManagedTables(DynamoDbClient dynamo, TableNames names, Auditor auditor) {
        this.dynamo = dynamo;
        this.names = names;
        this.auditor = auditor;
    }

    static ManagedTables open(CliContext cli, DynamoDbClient dynamo) {
        TableNames names = TableOptions.tables(cli.env());
        AuditLog log = saysWhatFailed(cli.auditLogs().open(dynamo, names), names.audit());
        return new ManagedTables(
                dynamo, names, Auditor.of(log, AuditEntry.Source.GATEWAYCTL, cli.actor(), cli.clock()));
    }

    /** {@code log}, whose failures to append say that nothing was changed, and why. */
    private static AuditLog saysWhatFailed(AuditLog log, String table) {
        return new AuditLog() {
            @Override
            public void append(AuditEntry entry) {
                try {
                    log.append(entry);
                } catch (RuntimeException e) {
                    throw new CommandFailure(
                            "not changed: the audit log (table " + table + ") did not take the record of "
                                    + entry.action() + " " + entry.target() + ": " + e.getMessage());
                }
            }

            @Override
            public List<AuditEntry> query(AuditQuery query) {
                return log.query(query);
            }
        };
    }

    TenantRepository tenants() {
        return new AuditedTenantRepository(new DynamoDbTenantRepository(dynamo, names.tenants()), auditor);
    }

    KeyRepository keys() {
        return new AuditedKeyRepository(new DynamoDbKeyRepository(dynamo, names.keys()), auditor);
    }

    RouteRepository routes() {
        return new AuditedRouteRepository(new DynamoDbRouteRepository(dynamo, names.routes()), auditor);
    }
}
