import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Checks what {@code init/ready.d/10-sluice.sh} created on an emulator against Sluice's own code, without Docker:
 * the four tables against tables {@link SluiceTables#createAll} creates on the same engine (key schema, attribute
 * types, billing mode, TTL), the demo route and keys read back through the production repositories, the usage stream
 * and the provider secrets. Run by {@code localstack/check-init.sh}; a single-file program, so it needs no module.
 *
 * <p>Usage: {@code java -cp <shared classes and runtime deps> localstack/check/CheckInit.java <endpoint>}, with the
 * same {@code SLUICE_*} variables the init script saw.
 */
public final class CheckInit {
    private static final String DEMO_KEY = "sk-sluice-local-demo-0000000000000000";
    private static final String LIMITED_KEY = "sk-sluice-local-limited-0000000000000000";
    private static final List<String> PROVIDERS = List.of("openai", "anthropic", "gemini", "azure-openai", "deepseek",
            "qwen", "mistral", "groq", "together");

    private final List<String> failures = new ArrayList<>();
    private int checks;

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: CheckInit.java <endpoint, e.g. http://localhost:4566>");
            System.exit(2);
        }
        URI endpoint = URI.create(args[0]);
        Map<String, String> env = System.getenv();
        // The emulator accepts any credentials: declare it, so the clients sign with dummy ones.
        AwsClients aws = AwsClients.create(AwsSettings.fromEnvironment(env).withEmulator(true));
        CheckInit check = new CheckInit();
        try (DynamoDbClient dynamo = aws.dynamoDb(endpoint);
             KinesisClient kinesis = aws.kinesis(endpoint);
             SecretsManagerClient secrets = aws.secretsManager(endpoint)) {
            TableNames actual = TableNames.fromEnvironment(env);
            check.tables(dynamo, actual);
            check.items(dynamo, actual);
            check.stream(kinesis, env.getOrDefault("SLUICE_USAGE_STREAM", "sluice-usage"));
            check.secrets(secrets, env.getOrDefault("SLUICE_SECRET_PREFIX", "sluice/local/"));
        }
        check.failures.forEach(failure -> System.out.println("FAIL " + failure));
        System.out.printf("check-init: %d passed, %d failed%n", check.checks - check.failures.size(),
                check.failures.size());
        System.exit(check.failures.isEmpty() ? 0 : 1);
    }

    /** The script's tables must equal, field for field, the tables SluiceTables creates on the same engine. */
    private void tables(DynamoDbClient dynamo, TableNames actual) {
        TableNames expected = TableNames.withPrefix("sluice-check-" + UUID.randomUUID().toString().substring(0, 8)
                + "-");
        SluiceTables.createAll(dynamo, expected);
        try {
            compareTable(dynamo, expected.keys(), actual.keys());
            compareTable(dynamo, expected.routes(), actual.routes());
            compareTable(dynamo, expected.counters(), actual.counters());
            compareTable(dynamo, expected.usage(), actual.usage());
            String expectedTtl = ttl(dynamo, expected.counters());
            String actualTtl = ttl(dynamo, actual.counters());
            expect(actualTtl.equals(expectedTtl), "TTL of " + actual.counters() + " is " + actualTtl
                    + ", SluiceTables gives " + expectedTtl);
            expect(actualTtl.startsWith(SluiceTables.EXPIRES_AT + "="), "TTL attribute of " + actual.counters()
                    + " is " + actualTtl + ", want " + SluiceTables.EXPIRES_AT);
        } finally {
            for (String table : List.of(expected.keys(), expected.routes(), expected.counters(), expected.usage())) {
                dynamo.deleteTable(r -> r.tableName(table));
            }
        }
    }

    private void compareTable(DynamoDbClient dynamo, String expectedName, String actualName) {
        TableDescription expected = dynamo.describeTable(r -> r.tableName(expectedName)).table();
        Optional<TableDescription> found;
        try {
            found = Optional.of(dynamo.describeTable(r -> r.tableName(actualName)).table());
        } catch (RuntimeException e) {
            found = Optional.empty();
        }
        expect(found.isPresent(), "table " + actualName + " is missing");
        if (found.isEmpty()) {
            return;
        }
        TableDescription table = found.get();
        expect(new HashSet<>(table.keySchema()).equals(new HashSet<>(expected.keySchema())),
                actualName + " key schema " + table.keySchema() + ", SluiceTables gives " + expected.keySchema());
        expect(new HashSet<>(table.attributeDefinitions()).equals(new HashSet<>(expected.attributeDefinitions())),
                actualName + " attributes " + table.attributeDefinitions() + ", SluiceTables gives "
                        + expected.attributeDefinitions());
        expect(billing(table).equals(billing(expected)), actualName + " billing " + billing(table)
                + ", SluiceTables gives " + billing(expected));
    }

    private static String billing(TableDescription table) {
        return table.billingModeSummary() == null ? "unreported" : table.billingModeSummary().billingModeAsString();
    }

    private static String ttl(DynamoDbClient dynamo, String table) {
        var description = dynamo.describeTimeToLive(r -> r.tableName(table)).timeToLiveDescription();
        return description.attributeName() + "=" + description.timeToLiveStatusAsString();
    }

    /** The seeded items, read back by the repositories the router uses. */
    private void items(DynamoDbClient dynamo, TableNames tables) {
        Optional<Route> demo = new DynamoDbRouteRepository(dynamo, tables.routes()).find("demo");
        expect(demo.isPresent(), "route demo is missing");
        demo.ifPresent(route -> {
            Deployment deployment = route.deployments().getFirst();
            expect(route.deployments().size() == 1 && deployment.provider().equals("demo")
                    && deployment.upstreamModel().equals("sluice-demo-1"), "route demo is " + route);
        });
        DynamoDbKeyRepository keys = new DynamoDbKeyRepository(dynamo, tables.keys());
        key(keys, DEMO_KEY, "local-demo", 0);
        key(keys, LIMITED_KEY, "local-limited", 3);
    }

    private void key(DynamoDbKeyRepository keys, String plain, String name, long rpm) {
        String hash = ApiKeys.sha256Hex(plain);
        Optional<ApiKey> key = keys.findByHash(hash);
        expect(key.isPresent(), "no key item under sha256(" + name + " key) = " + hash);
        key.ifPresent(k -> expect(k.keyId().equals(ApiKeys.keyIdFor(hash)) && k.tenantId().equals("demo")
                && k.name().equals(name) && k.status() == ApiKey.Status.ACTIVE && k.allowedModels().isEmpty()
                && k.limits().requestsPerMinute() == rpm && k.expiresAt() == null, "key " + name + " is " + k));
    }

    private void stream(KinesisClient kinesis, String name) {
        try {
            StreamStatus status = kinesis.describeStreamSummary(r -> r.streamName(name))
                    .streamDescriptionSummary().streamStatus();
            expect(status == StreamStatus.ACTIVE, "stream " + name + " is " + status);
        } catch (RuntimeException e) {
            expect(false, "stream " + name + ": " + e.getMessage());
        }
    }

    private void secrets(SecretsManagerClient secrets, String prefix) {
        Set<String> missing = new HashSet<>();
        for (String provider : PROVIDERS) {
            try {
                secrets.describeSecret(r -> r.secretId(prefix + provider));
            } catch (RuntimeException e) {
                missing.add(prefix + provider);
            }
        }
        expect(missing.isEmpty(), "secrets missing: " + missing);
    }

    private void expect(boolean ok, String failure) {
        checks++;
        if (!ok) {
            failures.add(failure);
        }
    }
}
