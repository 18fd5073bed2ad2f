package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.audit.AuditEntry;
import dev.sluice.json.Json;
import dev.sluice.store.DynamoDbAuditLog;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * gatewayctl's changes to tenants and keys recorded in the audit table of DynamoDB Local, read back with {@code
 * gatewayctl audit} (table and JSON, filters, the default last seven days); and a change refused when its record
 * cannot be written.
 */
class AuditCommandIT {
    private static final Pattern PRINTED_KEY = Pattern.compile("(?m)^api key (sk-sluice-[0-9a-f]{40})$");
    private static final Pattern PRINTED_KEY_ID = Pattern.compile("(?m)^key id  (key_[0-9a-f]{12})$");

    private final LocalDynamoDb engine = LocalDynamoDb.shared();
    /** Near the present: DynamoDB Local deletes entries whose TTL (180 days on) has passed. */
    private final MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(10)));

    private DynamoDbClient dynamo;
    private TableNames tables;
    private Map<String, String> env;

    @BeforeEach
    void createTables() {
        dynamo = engine.newClient();
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("cliaudit") + "-");
        SluiceTables.createAll(dynamo, tables);
        env = new HashMap<>(Map.of(
                "SLUICE_KEYS_TABLE", tables.keys(),
                "SLUICE_TENANTS_TABLE", tables.tenants(),
                "SLUICE_ROUTES_TABLE", tables.routes(),
                "SLUICE_AUDIT_TABLE", tables.audit(),
                "SLUICE_ACTOR", "alice"));
    }

    @AfterEach
    void closeClient() {
        dynamo.close();
    }

    private CliRun gatewayctl(String... words) {
        return CliRun.of(Map.copyOf(env), clock, words);
    }

    private CliRun ok(String... words) {
        CliRun result = gatewayctl(words);
        assertThat(result.status()).as(result.err()).isZero();
        clock.advance(Duration.ofSeconds(1));
        return result;
    }

    private static String group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("printed: %s", text).isTrue();
        return m.group(1);
    }

    @Test
    void tenantAndKeyChanges_areRecordedWithTheActor_andAuditListsThemNewestFirst() throws Exception {
        ok("tenants", "create", "--tenant", "acme", "--rpm", "60");
        ok("tenants", "set", "--tenant", "acme", "--rpm", "120");
        CliRun created = ok("keys", "create", "--tenant", "acme", "--name", "ci");
        String keyId = group(PRINTED_KEY_ID, created.out());
        String key = group(PRINTED_KEY, created.out());
        ok("keys", "revoke", "--key-id", keyId);
        ok("tenants", "suspend", "--tenant", "acme");

        CliRun table = ok("audit");

        List<String> lines = table.out().lines().toList();
        assertThat(lines.getFirst()).containsSubsequence("AT", "ACTOR", "SOURCE", "ACTION", "TARGET", "CHANGE");
        assertThat(lines.subList(1, lines.size()))
                .hasSize(5)
                .allSatisfy(line -> assertThat(line).contains("alice@gatewayctl", "gatewayctl"))
                .satisfiesExactly(
                        line -> assertThat(line).contains("tenant.suspend", "acme", "status: ACTIVE → SUSPENDED"),
                        line -> assertThat(line).contains("key.revoke", keyId, "status: ACTIVE → REVOKED"),
                        line -> assertThat(line).contains("key.create", keyId, "new"),
                        line -> assertThat(line).contains("tenant.limits", "acme", "limits.rpm: 60 → 120"),
                        line -> assertThat(line).contains("tenant.create", "acme", "new"));
        String everything =
                dynamo.scan(r -> r.tableName(tables.audit())).items().toString();
        assertThat(everything).doesNotContain(key).contains(keyId);
    }

    @Test
    void audit_filtersByActionFamilyTargetAndActor_andPrintsJsonWithBeforeAndAfter() throws Exception {
        ok("tenants", "create", "--tenant", "acme");
        env.put("SLUICE_ACTOR", "ci-pipeline");
        ok("tenants", "create", "--tenant", "globex");
        String keyId =
                group(PRINTED_KEY_ID, ok("keys", "create", "--tenant", "globex").out());
        ok("keys", "revoke", "--key-id", keyId);

        assertThat(ok("audit", "--action", "key").out().lines().skip(1))
                .hasSize(2)
                .allSatisfy(line -> assertThat(line).contains(keyId));
        assertThat(ok("audit", "--target", "acme").out().lines().skip(1))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("tenant.create", "alice@gatewayctl"));
        assertThat(ok("audit", "--actor", "ci-pipeline@gatewayctl", "--limit", "2")
                        .out()
                        .lines()
                        .skip(1))
                .hasSize(2)
                .allSatisfy(line -> assertThat(line).contains("ci-pipeline@gatewayctl", keyId));

        JsonNode json = Json.read(
                ok("audit", "--format", "json", "--action", "key.revoke").out());
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        assertThat(json.path("from").asText()).isEqualTo(today.minusDays(6).toString());
        assertThat(json.path("to").asText()).isEqualTo(today.toString());
        JsonNode entry = json.path("entries").get(0);
        assertThat(json.path("entries")).hasSize(1);
        assertThat(entry.path("action").asText()).isEqualTo("key.revoke");
        assertThat(entry.path("actor").asText()).isEqualTo("ci-pipeline@gatewayctl");
        assertThat(entry.path("source").asText()).isEqualTo("gatewayctl");
        assertThat(entry.path("target").asText()).isEqualTo(keyId);
        assertThat(entry.at("/before/status").asText()).isEqualTo("ACTIVE");
        assertThat(entry.at("/after/status").asText()).isEqualTo("REVOKED");
        assertThat(entry.at("/after/tenantId").asText()).isEqualTo("globex");
    }

    @Test
    void audit_showsTheLastSevenDaysByDefault_andOlderDaysWhenAsked() {
        ok("tenants", "create", "--tenant", "old");
        clock.advance(Duration.ofDays(8));
        ok("tenants", "create", "--tenant", "recent");
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);

        assertThat(ok("audit").out()).contains("recent").doesNotContain("old");
        assertThat(ok("audit", "--from", today.minusDays(8).toString()).out()).contains("recent", "old");
        assertThat(ok(
                                "audit",
                                "--from",
                                today.minusDays(8).toString(),
                                "--to",
                                today.minusDays(8).toString())
                        .out())
                .contains("old")
                .doesNotContain("recent");
    }

    @Test
    void whenTheAuditTableIsMissing_aChangeFailsLoudly_andIsNotMade() {
        ok("tenants", "create", "--tenant", "acme");
        String missing = LocalDynamoDb.uniqueName("missing-audit");
        env.put("SLUICE_AUDIT_TABLE", missing);

        CliRun create = gatewayctl("tenants", "create", "--tenant", "globex");
        CliRun set = gatewayctl("tenants", "set", "--tenant", "acme", "--rpm", "5");
        CliRun key = gatewayctl("keys", "create", "--tenant", "acme");

        assertThat(List.of(create, set, key)).allSatisfy(result -> {
            assertThat(result.status()).isEqualTo(GatewayCtl.FAILED);
            assertThat(result.err()).startsWith("gatewayctl: not changed: the audit log (table " + missing);
            assertThat(result.out()).doesNotContain("sk-sluice-");
        });
        DynamoDbTenantRepository tenants = new DynamoDbTenantRepository(dynamo, tables.tenants());
        assertThat(tenants.find("globex")).isEmpty();
        assertThat(tenants.find("acme").orElseThrow().limits().requestsPerMinute())
                .isZero();
        assertThat(new DynamoDbKeyRepository(dynamo, tables.keys()).findByTenant("acme"))
                .isEmpty();
        assertThat(new DynamoDbAuditLog(dynamo, tables.audit())
                        .query(dev.sluice.audit.AuditQuery.between(
                                clock.instant().minusSeconds(3600),
                                clock.instant().plusSeconds(1),
                                10)))
                .extracting(AuditEntry::action)
                .containsExactly("tenant.create");
    }
}
