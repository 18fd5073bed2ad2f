package dev.sluice.cli;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.StoredKey;
import dev.sluice.auth.Tenant;
import dev.sluice.quota.Limits;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl keys ...}: a tenant's API keys. A key is printed once, when created or rotated; only its SHA-256
 * is stored, and nothing here prints a hash or a key afterwards.
 */
@Command(name = "keys", description = "API keys: created under a tenant, never looser than it.")
final class KeysCommand {
    private final CliContext cli;

    KeysCommand(CliContext cli) {
        this.cli = cli;
    }

    @Command(name = "create", description = "Creates a key and prints it, once.")
    void create(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant (must exist).")
                    String tenantId,
            @Option(names = "--name", paramLabel = "N", defaultValue = "", description = "What the key is for.")
                    String name,
            @Option(
                            names = "--role",
                            paramLabel = "ROLE",
                            defaultValue = "app",
                            description = "app (calls models) or admin (also manages its tenant's keys).")
                    String role,
            @Mixin LimitOptions limits,
            @Mixin AccessOptions access,
            @Option(
                            names = "--expires-in-days",
                            paramLabel = "N",
                            defaultValue = "0",
                            description = "Days until the key stops working (0: never).")
                    long expiresInDays) {
        String tenant = UsageError.nonBlank("--tenant", tenantId);
        ApiKey.Role keyRole;
        try {
            keyRole = ApiKey.Role.fromWire(role.strip());
        } catch (IllegalArgumentException e) {
            throw new UsageError("--role: " + e.getMessage());
        }
        if (expiresInDays < 0) {
            throw new UsageError("--expires-in-days must be 0 (never) or more");
        }
        Limits keyLimits = limits.over(Limits.NONE);
        Set<String> models = access.modelsOr(Set.of());
        IpAllowlist allowedIps = access.allowedIpsOr(IpAllowlist.ANY);
        Instant expiresAt = expiresInDays > 0 ? Instant.now().plus(Duration.ofDays(expiresInDays)) : null;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            ManagedTables tables = ManagedTables.open(cli, dynamo);
            Tenant owner = tables.tenants()
                    .find(tenant)
                    .orElseThrow(() -> new CommandFailure("no tenant '" + tenant
                            + "'; create it first with gatewayctl tenants create --tenant " + tenant));
            LimitOptions.looserDimension(owner.limits(), keyLimits).ifPresent(looser -> {
                throw new CommandFailure("a key can only narrow its tenant's limits: " + looser);
            });
            List<String> outside = models.stream().filter(m -> !owner.mayUse(m)).toList();
            if (!outside.isEmpty()) {
                throw new CommandFailure("tenant '" + tenant + "' may not use " + String.join(", ", outside)
                        + " (its models: " + AccessOptions.describe(owner.allowedModels(), "all") + ")");
            }
            String key = ApiKeys.newKey();
            String hash = ApiKeys.sha256Hex(key);
            ApiKey record = new ApiKey(
                    ApiKeys.keyIdFor(hash),
                    tenant,
                    name.strip(),
                    keyRole,
                    ApiKey.Status.ACTIVE,
                    models,
                    keyLimits,
                    expiresAt,
                    allowedIps);
            tables.keys().put(hash, record);
            printOnce(record, key);
        }
    }

    @Command(name = "list", description = "A tenant's keys (ids and attributes, never the keys).")
    void list(
            @Mixin TableOptions table,
            @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant.")
                    String tenantId) {
        List<ApiKey> keys;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            keys = repository(dynamo).findByTenant(UsageError.nonBlank("--tenant", tenantId)).stream()
                    .map(StoredKey::key)
                    .sorted(Comparator.comparing(ApiKey::keyId))
                    .toList();
        }
        String format = "%-16s  %-20s  %-5s  %-7s  %-24s  %-40s  %s%n";
        cli.out().printf(format, "KEY ID", "NAME", "ROLE", "STATUS", "MODELS", "LIMITS", "EXPIRES");
        for (ApiKey key : keys) {
            cli.out()
                    .printf(
                            format,
                            key.keyId(),
                            key.name(),
                            key.role().wireName(),
                            key.status(),
                            AccessOptions.describe(key.allowedModels(), "tenant's"),
                            LimitOptions.describe(key.limits()),
                            key.expiresAt() == null ? "never" : key.expiresAt());
        }
    }

    @Command(name = "revoke", description = "Revokes a key: it is refused from now on.")
    void revoke(
            @Mixin TableOptions table,
            @Option(names = "--key-id", paramLabel = "ID", required = true, description = "The key id (key_...).")
                    String keyId) {
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            KeyRepository keys = repository(dynamo);
            StoredKey stored = existing(keys, keyId);
            if (stored.key().status() == ApiKey.Status.REVOKED) {
                cli.out().println(stored.key().keyId() + " was already revoked");
                return;
            }
            keys.put(stored.keyHash(), stored.key().withStatus(ApiKey.Status.REVOKED));
            cli.out().println("revoked " + stored.key().keyId());
        }
    }

    @Command(
            name = "rotate",
            description = "Replaces a key: a new one with the same attributes, printed once; the old one revoked.")
    void rotate(
            @Mixin TableOptions table,
            @Option(names = "--key-id", paramLabel = "ID", required = true, description = "The key id (key_...).")
                    String keyId) {
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            KeyRepository keys = repository(dynamo);
            StoredKey old = existing(keys, keyId);
            ApiKey previous = old.key();
            if (previous.status() == ApiKey.Status.REVOKED) {
                throw new CommandFailure(previous.keyId() + " is revoked; create a new key instead");
            }
            String key = ApiKeys.newKey();
            String hash = ApiKeys.sha256Hex(key);
            ApiKey replacement = new ApiKey(
                    ApiKeys.keyIdFor(hash),
                    previous.tenantId(),
                    previous.name(),
                    previous.role(),
                    ApiKey.Status.ACTIVE,
                    previous.allowedModels(),
                    previous.limits(),
                    previous.expiresAt(),
                    previous.allowedIps());
            // The new key first: if the second write fails, the old key still works and can be revoked by hand.
            keys.put(hash, replacement);
            keys.put(old.keyHash(), previous.withStatus(ApiKey.Status.REVOKED));
            printOnce(replacement, key);
            cli.out().println("revoked " + previous.keyId());
        }
    }

    private void printOnce(ApiKey record, String key) {
        cli.out().println("key id  " + record.keyId());
        cli.out().println("api key " + key);
        cli.out().println("(shown once: Sluice stores only its SHA-256)");
    }

    private static StoredKey existing(KeyRepository keys, String keyId) {
        String id = UsageError.nonBlank("--key-id", keyId);
        return keys.findById(id).orElseThrow(() -> new CommandFailure("no key with id '" + id + "'"));
    }

    private KeyRepository repository(DynamoDbClient dynamo) {
        return ManagedTables.open(cli, dynamo).keys();
    }
}
