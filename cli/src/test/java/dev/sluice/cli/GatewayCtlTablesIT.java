package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.IpAllowlist;
import dev.sluice.auth.StoredKey;
import dev.sluice.auth.Tenant;
import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import dev.sluice.quota.Limits;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * gatewayctl's tenant and key commands against DynamoDB Local: what they print, their exit statuses, and what they
 * leave in the tables (read back through the repositories the gateway uses).
 */
class GatewayCtlTablesIT {
    private static final Pattern PRINTED_KEY = Pattern.compile("(?m)^api key (sk-sluice-[0-9a-f]{40})$");
    private static final Pattern PRINTED_KEY_ID = Pattern.compile("(?m)^key id  (key_[0-9a-f]{12})$");

    private final LocalDynamoDb engine = LocalDynamoDb.shared();
    private DynamoDbClient dynamo;
    private TableNames tables;
    private Map<String, String> env;
    private DynamoDbTenantRepository tenants;
    private DynamoDbKeyRepository keys;

    @BeforeEach
    void createTables() {
        dynamo = engine.newClient();
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("cli") + "-");
        SluiceTables.createAll(dynamo, tables);
        env = Map.of(
                "SLUICE_KEYS_TABLE", tables.keys(),
                "SLUICE_TENANTS_TABLE", tables.tenants(),
                "SLUICE_ROUTES_TABLE", tables.routes(),
                "SLUICE_USAGE_TABLE", tables.usage(),
                "SLUICE_COUNTERS_TABLE", tables.counters(),
                "SLUICE_AUDIT_TABLE", tables.audit());
        tenants = new DynamoDbTenantRepository(dynamo, tables.tenants());
        keys = new DynamoDbKeyRepository(dynamo, tables.keys());
    }

    @AfterEach
    void closeClient() {
        dynamo.close();
    }

    private CliRun gatewayctl(String... words) {
        return CliRun.of(env, Clock.systemUTC(), words);
    }

    private static String group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("printed: %s", text).isTrue();
        return m.group(1);
    }

    @Test
    void tenantsCreate_storesEveryOption_andListAndShowPrintThem() {
        CliRun created = gatewayctl(
                "tenants",
                "create",
                "--tenant",
                "acme",
                "--name",
                "Acme Corp",
                "--rpm",
                "60",
                "--tpm",
                "100000",
                "--max-concurrent",
                "4",
                "--budget-usd-day",
                "0.001",
                "--budget-usd-month",
                "30",
                "--models",
                "demo,gpt",
                "--allow-ip",
                "10.0.0.0/8,2001:db8::/32");

        assertThat(created.status()).as(created.err()).isZero();
        assertThat(tenants.find("acme"))
                .hasValue(new Tenant(
                        "acme",
                        "Acme Corp",
                        Tenant.Status.ACTIVE,
                        Set.of("demo", "gpt"),
                        new Limits(60, 100_000, 4, 1_000, 30_000_000),
                        IpAllowlist.parse(List.of("10.0.0.0/8", "2001:db8::/32"))));

        CliRun list = gatewayctl("tenants", "list");
        assertThat(list.status()).isZero();
        assertThat(list.out().lines().findFirst())
                .hasValueSatisfying(header -> assertThat(header)
                        .containsSubsequence("TENANT", "NAME", "STATUS", "MODELS", "LIMITS", "ALLOW IPS"));
        assertThat(list.out())
                .contains("acme", "Acme Corp", "ACTIVE", "demo,gpt", "rpm 60", "$0.001/day", "$30.00/month")
                .contains("10.0.0.0/8,2001:db8::/32");

        CliRun show = gatewayctl("tenants", "show", "--tenant", "acme");
        assertThat(show.status()).isZero();
        assertThat(show.out())
                .containsPattern("name +Acme Corp")
                .containsPattern("tpm +100000")
                .containsPattern("max concurrent +4")
                .containsPattern("budget per day +\\$0.001")
                .containsPattern("budget per month +\\$30.00")
                .containsPattern("allow ips +10.0.0.0/8,2001:db8::/32");
    }

    @Test
    void tenantsCreate_whenTheTenantExists_failsAndKeepsIt() {
        assertThat(gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "60")
                        .status())
                .isZero();

        CliRun again = gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "1");

        assertThat(again.status()).isEqualTo(1);
        assertThat(again.err()).contains("acme").contains("exists");
        assertThat(tenants.find("acme").orElseThrow().limits().requestsPerMinute())
                .isEqualTo(60);
    }

    @Test
    void tenantsSet_changesOnlyTheOptionsGiven() {
        gatewayctl(
                "tenants",
                "create",
                "--tenant",
                "acme",
                "--name",
                "Acme",
                "--rpm",
                "60",
                "--budget-usd-day",
                "5",
                "--models",
                "demo",
                "--allow-ip",
                "10.0.0.0/8");

        CliRun set = gatewayctl("tenants", "set", "--tenant", "acme", "--tpm", "5000", "--budget-usd-day", "0");

        assertThat(set.status()).as(set.err()).isZero();
        assertThat(tenants.find("acme"))
                .hasValue(new Tenant(
                        "acme",
                        "Acme",
                        Tenant.Status.ACTIVE,
                        Set.of("demo"),
                        new Limits(60, 5000, 0, 0, 0),
                        IpAllowlist.parse(List.of("10.0.0.0/8"))));
    }

    @Test
    void tenantsSet_onAMissingTenant_failsWithoutCreatingIt() {
        CliRun set = gatewayctl("tenants", "set", "--tenant", "ghost", "--rpm", "5");

        assertThat(set.status()).isEqualTo(1);
        assertThat(set.err()).contains("ghost");
        assertThat(tenants.find("ghost")).isEmpty();
    }

    @Test
    void tenantsSuspendAndResume_flipTheStatusOnly() {
        gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "60");

        assertThat(gatewayctl("tenants", "suspend", "--tenant", "acme").status())
                .isZero();
        assertThat(tenants.find("acme").orElseThrow().status()).isEqualTo(Tenant.Status.SUSPENDED);
        assertThat(gatewayctl("tenants", "list").out()).contains("SUSPENDED");

        assertThat(gatewayctl("tenants", "resume", "--tenant", "acme").status()).isZero();
        Tenant resumed = tenants.find("acme").orElseThrow();
        assertThat(resumed.status()).isEqualTo(Tenant.Status.ACTIVE);
        assertThat(resumed.limits()).isEqualTo(Limits.requestsPerMinute(60));
    }

    @Test
    void tenantsSuspend_onAMissingTenant_fails() {
        assertThat(gatewayctl("tenants", "suspend", "--tenant", "ghost").status())
                .isEqualTo(1);
    }

    private GuardPolicy guardOf(String tenant) {
        return tenants.find(tenant).orElseThrow().guard();
    }

    @Test
    void tenantsCreate_storesTheGuardOptions_andShowPrintsThem() {
        CliRun created = gatewayctl(
                "tenants",
                "create",
                "--tenant",
                "acme",
                "--pii",
                "redact",
                "--deny",
                "project\\s+falcon",
                "--deny",
                "osprey",
                "--bedrock-guardrail",
                "gr1abc,2,eu-west-1");

        assertThat(created.status()).as(created.err()).isZero();
        assertThat(guardOf("acme"))
                .isEqualTo(GuardPolicy.of(
                        GuardPolicy.Mode.REDACT,
                        List.of("project\\s+falcon", "osprey"),
                        new BedrockGuardrail("gr1abc", "2", "eu-west-1")));
        assertThat(gatewayctl("tenants", "show", "--tenant", "acme").out())
                .containsPattern(
                        "guard +pii redact, deny project\\\\s\\+falcon \\| osprey, bedrock gr1abc:2@eu-west-1");
    }

    @Test
    void tenantsCreate_withoutGuardOptions_leavesTheGuardOff() {
        assertThat(gatewayctl("tenants", "create", "--tenant", "plain").status())
                .isZero();

        assertThat(guardOf("plain")).isEqualTo(GuardPolicy.OFF);
        assertThat(gatewayctl("tenants", "show", "--tenant", "plain").out()).containsPattern("guard +off");
    }

    @Test
    void tenantsSet_changesOnlyTheGuardPartsGiven_andEmptyClears() {
        gatewayctl("tenants", "create", "--tenant", "acme", "--pii", "redact", "--deny", "osprey", "--rpm", "60");

        CliRun stricter = gatewayctl("tenants", "set", "--tenant", "acme", "--pii", "block");
        assertThat(stricter.status()).as(stricter.err()).isZero();
        assertThat(guardOf("acme")).isEqualTo(new GuardPolicy(GuardPolicy.Mode.BLOCK, List.of("osprey")));
        assertThat(tenants.find("acme").orElseThrow().limits().requestsPerMinute())
                .isEqualTo(60);

        gatewayctl("tenants", "set", "--tenant", "acme", "--deny", "", "--bedrock-guardrail", "gr9,DRAFT");
        assertThat(guardOf("acme"))
                .isEqualTo(
                        GuardPolicy.of(GuardPolicy.Mode.BLOCK, List.of(), new BedrockGuardrail("gr9", "DRAFT", null)));

        gatewayctl("tenants", "set", "--tenant", "acme", "--pii", "off", "--bedrock-guardrail", "");
        assertThat(guardOf("acme")).isEqualTo(GuardPolicy.OFF);
    }

    @Test
    void tenantsSet_badGuardOptions_areUsageErrors_andChangeNothing() {
        gatewayctl("tenants", "create", "--tenant", "acme");

        CliRun mode = gatewayctl("tenants", "set", "--tenant", "acme", "--pii", "mask");
        CliRun pattern = gatewayctl("tenants", "set", "--tenant", "acme", "--deny", "(");
        CliRun guardrail = gatewayctl("tenants", "set", "--tenant", "acme", "--bedrock-guardrail", "gr1");

        assertThat(mode.status()).isEqualTo(2);
        assertThat(mode.err()).contains("unknown pii mode 'mask'");
        assertThat(pattern.status()).isEqualTo(2);
        assertThat(pattern.err()).contains("not a regular expression");
        assertThat(guardrail.status()).isEqualTo(2);
        assertThat(guardrail.err()).contains("ID,VERSION");
        assertThat(guardOf("acme")).isEqualTo(GuardPolicy.OFF);
    }

    @Test
    void keysCreate_printsAKeyOnce_thatAuthenticatesWithItsAttributes() {
        gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "60", "--budget-usd-day", "1");

        CliRun created = gatewayctl(
                "keys",
                "create",
                "--tenant",
                "acme",
                "--name",
                "ci",
                "--role",
                "admin",
                "--rpm",
                "30",
                "--budget-usd-day",
                "0.25",
                "--models",
                "demo",
                "--allow-ip",
                "203.0.113.7",
                "--expires-in-days",
                "7");

        assertThat(created.status()).as(created.err()).isZero();
        assertThat(created.out()).contains("(shown once: Sluice stores only its SHA-256)");
        String key = group(PRINTED_KEY, created.out());
        String keyId = group(PRINTED_KEY_ID, created.out());
        ApiKey stored = keys.findByHash(ApiKeys.sha256Hex(key)).orElseThrow();
        assertThat(stored.keyId()).isEqualTo(keyId);
        assertThat(stored.tenantId()).isEqualTo("acme");
        assertThat(stored.name()).isEqualTo("ci");
        assertThat(stored.role()).isEqualTo(ApiKey.Role.ADMIN);
        assertThat(stored.status()).isEqualTo(ApiKey.Status.ACTIVE);
        assertThat(stored.allowedModels()).containsExactly("demo");
        assertThat(stored.limits()).isEqualTo(new Limits(30, 0, 0, 250_000, 0));
        assertThat(stored.allowedIps()).isEqualTo(IpAllowlist.parse(List.of("203.0.113.7/32")));
        assertThat(stored.expiresAt())
                .isBetween(
                        Instant.now().plus(Duration.ofDays(7)).minusSeconds(60),
                        Instant.now().plus(Duration.ofDays(7)));
    }

    @Test
    void keysCreate_onAMissingTenant_failsPointingAtTenantsCreate() {
        CliRun created = gatewayctl("keys", "create", "--tenant", "ghost");

        assertThat(created.status()).isEqualTo(1);
        assertThat(created.err()).contains("gatewayctl tenants create");
        assertThat(created.out()).doesNotContain("sk-sluice-");
        assertThat(keys.findByTenant("ghost")).isEmpty();
    }

    @Test
    void keysCreate_limitsLooserThanTheTenants_failsNamingTheDimension() {
        gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "60", "--budget-usd-day", "1");

        CliRun looserRpm = gatewayctl("keys", "create", "--tenant", "acme", "--rpm", "61");
        CliRun looserBudget = gatewayctl("keys", "create", "--tenant", "acme", "--budget-usd-day", "1.000001");

        assertThat(looserRpm.status()).isEqualTo(1);
        assertThat(looserRpm.err()).contains("--rpm");
        assertThat(looserBudget.status()).isEqualTo(1);
        assertThat(looserBudget.err()).contains("--budget-usd-day");
        assertThat(keys.findByTenant("acme")).isEmpty();
    }

    @Test
    void keysCreate_limitTheTenantLacks_isANarrowing() {
        gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "60");

        CliRun created = gatewayctl("keys", "create", "--tenant", "acme", "--tpm", "1000", "--rpm", "60");

        assertThat(created.status()).as(created.err()).isZero();
    }

    @Test
    void keysList_showsTheKeysAttributes_andNoKeyMaterial() {
        gatewayctl("tenants", "create", "--tenant", "acme");
        CliRun created = gatewayctl("keys", "create", "--tenant", "acme", "--name", "web", "--rpm", "5");
        String key = group(PRINTED_KEY, created.out());
        String keyId = group(PRINTED_KEY_ID, created.out());

        CliRun list = gatewayctl("keys", "list", "--tenant", "acme");

        assertThat(list.status()).isZero();
        assertThat(list.out().lines().findFirst())
                .hasValueSatisfying(header -> assertThat(header)
                        .containsSubsequence("KEY ID", "NAME", "ROLE", "STATUS", "MODELS", "LIMITS", "EXPIRES"));
        assertThat(list.out()).contains(keyId, "web", "app", "ACTIVE", "rpm 5", "never");
        String hash = ApiKeys.sha256Hex(key);
        assertThat(list.out())
                .doesNotContain(key)
                .doesNotContain(hash)
                .doesNotContain(key.substring(ApiKeys.PREFIX.length(), ApiKeys.PREFIX.length() + 12))
                .doesNotContain("sk-sluice-");
    }

    @Test
    void keysRevoke_setsTheStatusToRevoked() {
        gatewayctl("tenants", "create", "--tenant", "acme");
        String key = group(
                PRINTED_KEY, gatewayctl("keys", "create", "--tenant", "acme").out());
        String keyId = ApiKeys.keyIdFor(ApiKeys.sha256Hex(key));

        CliRun revoked = gatewayctl("keys", "revoke", "--key-id", keyId);

        assertThat(revoked.status()).as(revoked.err()).isZero();
        assertThat(keys.findByHash(ApiKeys.sha256Hex(key)).orElseThrow().status())
                .isEqualTo(ApiKey.Status.REVOKED);
        assertThat(gatewayctl("keys", "list", "--tenant", "acme").out()).contains("REVOKED");
    }

    @Test
    void keysRevoke_unknownId_fails() {
        assertThat(gatewayctl("keys", "revoke", "--key-id", "key_000000000000").status())
                .isEqualTo(1);
    }

    @Test
    void keysRotate_revokesTheOldKey_andPrintsANewOneWithTheSameAttributes() {
        gatewayctl("tenants", "create", "--tenant", "acme", "--rpm", "60");
        String oldKey = group(
                PRINTED_KEY,
                gatewayctl(
                                "keys",
                                "create",
                                "--tenant",
                                "acme",
                                "--name",
                                "batch",
                                "--role",
                                "admin",
                                "--rpm",
                                "10",
                                "--models",
                                "demo",
                                "--allow-ip",
                                "10.1.0.0/16",
                                "--expires-in-days",
                                "30")
                        .out());
        ApiKey before = keys.findByHash(ApiKeys.sha256Hex(oldKey)).orElseThrow();

        CliRun rotated = gatewayctl("keys", "rotate", "--key-id", before.keyId());

        assertThat(rotated.status()).as(rotated.err()).isZero();
        String newKey = group(PRINTED_KEY, rotated.out());
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(rotated.out()).contains("(shown once: Sluice stores only its SHA-256)");
        assertThat(keys.findByHash(ApiKeys.sha256Hex(oldKey)).orElseThrow().status())
                .isEqualTo(ApiKey.Status.REVOKED);
        ApiKey after = keys.findByHash(ApiKeys.sha256Hex(newKey)).orElseThrow();
        assertThat(after.keyId())
                .isEqualTo(group(PRINTED_KEY_ID, rotated.out()))
                .isNotEqualTo(before.keyId());
        assertThat(after.status()).isEqualTo(ApiKey.Status.ACTIVE);
        assertThat(after)
                .usingRecursiveComparison()
                .ignoringFields("keyId", "status")
                .isEqualTo(before);
        assertThat(after.allowedIps()).isEqualTo(before.allowedIps());
        assertThat(keys.findByTenant("acme"))
                .extracting(StoredKey::key)
                .extracting(ApiKey::status)
                .containsExactlyInAnyOrder(ApiKey.Status.ACTIVE, ApiKey.Status.REVOKED);
    }

    @Test
    void keysRotate_ofARevokedKey_fails() {
        gatewayctl("tenants", "create", "--tenant", "acme");
        String key = group(
                PRINTED_KEY, gatewayctl("keys", "create", "--tenant", "acme").out());
        String keyId = ApiKeys.keyIdFor(ApiKeys.sha256Hex(key));
        gatewayctl("keys", "revoke", "--key-id", keyId);

        CliRun rotated = gatewayctl("keys", "rotate", "--key-id", keyId);

        assertThat(rotated.status()).isEqualTo(1);
        assertThat(rotated.out()).doesNotContain("sk-sluice-");
    }

    @Test
    void routesPut_thenList_printsTheDeployment() {
        CliRun put = gatewayctl(
                "routes",
                "put",
                "--alias",
                "fast",
                "--provider",
                "openai",
                "--model",
                "gpt-4o-mini",
                "--input-usd-per-1m",
                "0.15");

        assertThat(put.status()).as(put.err()).isZero();
        assertThat(put.out()).isEqualTo("route fast -> openai gpt-4o-mini" + System.lineSeparator());
        assertThat(gatewayctl("routes", "list").out()).contains("fast").contains("gpt-4o-mini");
    }
}
