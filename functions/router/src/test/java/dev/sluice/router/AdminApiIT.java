package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.audit.AuditEntry;
import dev.sluice.audit.AuditLog;
import dev.sluice.audit.AuditQuery;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.session.SessionClaims;
import dev.sluice.auth.session.SessionTokenSource;
import dev.sluice.auth.session.SessionTokens;
import dev.sluice.auth.session.SigningKey;
import dev.sluice.auth.session.SigningKeys;
import dev.sluice.health.BreakerPolicy;
import dev.sluice.health.HealthBoard;
import dev.sluice.health.InMemoryHealthStore;
import dev.sluice.json.Json;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Limits;
import dev.sluice.responsecache.CacheStores;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.secret.SecretNotFoundException;
import dev.sluice.secret.SecretStore;
import dev.sluice.store.DynamoDbAuditLog;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.DynamoDbTenantRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.MutableClock;
import dev.sluice.usage.InMemoryUsagePublisher;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.DynamoDbUsageStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The management API and session tokens through the router, over DynamoDB Local: an admin key manages its tenant's
 * keys; any key mints session tokens that narrow it; tokens expire, cannot be tampered with or signed by another key,
 * survive a signing key rotation while the old key stays in the ring, and die with their parent key. Every change
 * is in the audit table with the calling key as its actor, and none is made when its record cannot be written.
 */
class AdminApiIT {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final SigningKey FIRST = new SigningKey("k1", bytes(1));
    private static final SigningKey SECOND = new SigningKey("k2", bytes(2));

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final AtomicReference<String> signingSecret = new AtomicReference<>(ring(FIRST));
    private final InMemoryUsagePublisher usage = new InMemoryUsagePublisher();
    /** The audit log the admin API writes to: the audit table, or a missing table to see a failing write. */
    private final AtomicReference<AuditLog> audit = new AtomicReference<>();

    private DynamoDbClient dynamo;
    private TableNames tables;
    private RouterServer router;
    private String admin;
    private String app;
    private String otherAdmin;

    private static byte[] bytes(int fill) {
        byte[] secret = new byte[32];
        java.util.Arrays.fill(secret, (byte) fill);
        return secret;
    }

    private static String ring(SigningKey... keys) {
        StringBuilder json = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < keys.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"kid\":\"")
                    .append(keys[i].kid())
                    .append("\",\"secret\":\"")
                    .append(Base64.getEncoder().encodeToString(keys[i].secret()))
                    .append("\"}");
        }
        return json.append("]}").toString();
    }

    @BeforeEach
    void start() throws Exception {
        dynamo = LocalDynamoDb.shared().newClient();
        tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("admin") + "-");
        SluiceTables.createAll(dynamo, tables);
        DynamoDbTenantRepository tenants = new DynamoDbTenantRepository(dynamo, tables.tenants());
        tenants.put(
                new Tenant("acme", "Acme", Tenant.Status.ACTIVE, Set.of("demo", "other"), new Limits(0, 0, 0, 0, 0)));
        tenants.put(new Tenant("globex", "Globex", Tenant.Status.ACTIVE, Set.of(), Limits.NONE));
        DynamoDbKeyRepository keys = new DynamoDbKeyRepository(dynamo, tables.keys());
        admin = key(keys, "acme", ApiKey.Role.ADMIN);
        app = key(keys, "acme", ApiKey.Role.APP);
        otherAdmin = key(keys, "globex", ApiKey.Role.ADMIN);
        DynamoDbRouteRepository routes = new DynamoDbRouteRepository(dynamo, tables.routes());
        for (String alias : List.of("demo", "other")) {
            routes.put(new Route(alias, List.of(new Deployment(DemoProvider.TYPE, "demo-1", null, null, null, null))));
        }
        SecretStore secrets = name -> {
            if (!name.equals(SessionTokenSource.SECRET_NAME)) {
                throw new SecretNotFoundException(name);
            }
            return signingSecret.get();
        };
        audit.set(new DynamoDbAuditLog(dynamo, tables.audit()));
        AuditLog switchable = new AuditLog() {
            @Override
            public void append(AuditEntry entry) {
                audit.get().append(entry);
            }

            @Override
            public List<AuditEntry> query(AuditQuery query) {
                return audit.get().query(query);
            }
        };
        router = RouterServer.start(
                "127.0.0.1",
                0,
                GatewayWiring.pipeline(
                        keys,
                        tenants,
                        routes,
                        new DynamoDbQuotaLedger(dynamo, tables.counters()),
                        new HealthBoard(new InMemoryHealthStore(), BreakerPolicy.DEFAULT, clock::millis),
                        CacheStores.NONE,
                        new DynamoDbUsageStore(dynamo, tables.usage()),
                        secrets,
                        usage,
                        List.of(new DemoProvider(Duration.ZERO)),
                        Duration.ZERO,
                        Duration.ZERO,
                        switchable,
                        clock),
                1024 * 1024);
    }

    private static String key(DynamoDbKeyRepository keys, String tenant, ApiKey.Role role) {
        String plain = ApiKeys.newKey();
        String hash = ApiKeys.sha256Hex(plain);
        keys.put(
                hash,
                new ApiKey(
                        ApiKeys.keyIdFor(hash),
                        tenant,
                        role.wireName(),
                        role,
                        ApiKey.Status.ACTIVE,
                        Set.of(),
                        null,
                        null));
        return plain;
    }

    @AfterEach
    void stop() {
        router.close();
        dynamo.close();
    }

    @Test
    void adminKey_createsListsAndRevokesAppKeys_ofItsOwnTenantOnly() throws Exception {
        HttpResponse<String> created = send("POST", "/sluice/v1/keys", admin, """
                {"name":"ci","models":["demo"],"limits":{"rpm":5}}""");
        assertThat(created.statusCode()).isEqualTo(200);
        JsonNode newKey = json(created.body());
        String plain = newKey.path("key").asText();
        assertThat(plain).startsWith(ApiKeys.PREFIX);
        assertThat(newKey.path("role").asText()).isEqualTo("app");
        assertThat(newKey.path("limits").path("rpm").asLong()).isEqualTo(5);
        assertThat(chat(plain, "demo").statusCode()).isEqualTo(200);
        assertThat(chat(plain, "other").statusCode()).isEqualTo(404);

        HttpResponse<String> listed = send("GET", "/sluice/v1/keys", admin, null);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(json(listed.body()).path("data").findValuesAsText("id"))
                .hasSize(3)
                .contains(newKey.path("id").asText());
        assertThat(listed.body()).doesNotContain(plain).doesNotContain(ApiKeys.sha256Hex(plain));

        String id = newKey.path("id").asText();
        assertThat(send("DELETE", "/sluice/v1/keys/" + id, otherAdmin, null).statusCode())
                .as("another tenant's admin sees no such key")
                .isEqualTo(404);
        assertThat(send("DELETE", "/sluice/v1/keys/" + id, admin, null).statusCode())
                .isEqualTo(200);
        assertThat(chat(plain, "demo").statusCode()).isEqualTo(401);
    }

    @Test
    void keyCreationRevocationAndSessionMinting_areAudited_withTheCallingKeyAsActor_andNoKeyOrToken() throws Exception {
        JsonNode created = json(send("POST", "/sluice/v1/keys", admin, """
                {"name":"ci","models":["demo"],"limits":{"rpm":5}}""").body());
        String id = created.path("id").asText();
        clock.advance(Duration.ofSeconds(1));
        JsonNode session = mint(app, """
                {"ttl_seconds":600,"models":["demo"]}""");
        clock.advance(Duration.ofSeconds(1));
        assertThat(send("DELETE", "/sluice/v1/keys/" + id, admin, null).statusCode())
                .isEqualTo(200);

        List<AuditEntry> entries = auditEntries();
        assertThat(entries).extracting(AuditEntry::action).containsExactly("key.revoke", "session.mint", "key.create");
        assertThat(entries).extracting(AuditEntry::source).containsOnly(AuditEntry.Source.ADMIN_API);
        AuditEntry creation = entries.getLast();
        assertThat(creation.actor()).isEqualTo(keyId(admin));
        assertThat(creation.target()).isEqualTo(id);
        assertThat(creation.before()).isNull();
        assertThat(json(creation.after()).path("name").asText()).isEqualTo("ci");
        assertThat(json(creation.after()).at("/limits/rpm").asLong()).isEqualTo(5);
        AuditEntry minting = entries.get(1);
        assertThat(minting.actor()).isEqualTo(keyId(app));
        assertThat(minting.target()).isEqualTo(session.path("id").asText());
        assertThat(json(minting.after()).path("models").toString()).isEqualTo("[\"demo\"]");
        AuditEntry revocation = entries.getFirst();
        assertThat(revocation.actor()).isEqualTo(keyId(admin));
        assertThat(json(revocation.before()).path("status").asText()).isEqualTo("ACTIVE");
        assertThat(json(revocation.after()).path("status").asText()).isEqualTo("REVOKED");
        String everything =
                dynamo.scan(r -> r.tableName(tables.audit())).items().toString();
        assertThat(everything)
                .doesNotContain(created.path("key").asText())
                .doesNotContain(session.path("token").asText())
                .doesNotContain(ApiKeys.sha256Hex(created.path("key").asText()));
    }

    @Test
    void whenTheAuditLogCannotBeWritten_keysAreNotCreated_andNoSessionTokenIsHandedOut() throws Exception {
        audit.set(new DynamoDbAuditLog(dynamo, LocalDynamoDb.uniqueName("missing-audit")));

        HttpResponse<String> created = send("POST", "/sluice/v1/keys", admin, "{\"name\":\"unaudited\"}");
        HttpResponse<String> minted = send("POST", "/sluice/v1/sessions", app, "{}");

        assertThat(created.statusCode()).isEqualTo(500);
        assertThat(json(created.body()).path("error").path("message").asText()).isNotBlank();
        assertThat(created.body()).doesNotContain("sk-sluice-");
        assertThat(minted.statusCode()).isEqualTo(500);
        assertThat(minted.body()).doesNotContain("sk-sluice-session.");
        assertThat(json(send("GET", "/sluice/v1/keys", admin, null).body())
                        .path("data")
                        .findValuesAsText("name"))
                .doesNotContain("unaudited");
    }

    private List<AuditEntry> auditEntries() {
        return new DynamoDbAuditLog(dynamo, tables.audit())
                .query(AuditQuery.between(
                        clock.instant().minusSeconds(3600), clock.instant().plusSeconds(1), 100));
    }

    private static String keyId(String plain) {
        return ApiKeys.keyIdFor(ApiKeys.sha256Hex(plain));
    }

    @Test
    void appKey_mayNotManageKeys_andLimitsLooserThanTheTenants_areRefused() throws Exception {
        HttpResponse<String> forbidden = send("GET", "/sluice/v1/keys", app, null);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(json(forbidden.body()).path("error").path("code").asText()).isEqualTo("insufficient_permissions");

        HttpResponse<String> badModel = send("POST", "/sluice/v1/keys", admin, """
                {"models":["not-for-acme"]}""");
        assertThat(badModel.statusCode()).isEqualTo(400);
        HttpResponse<String> badType = send("POST", "/sluice/v1/keys", admin, """
                {"limits":{"rpm":"many"}}""");
        assertThat(badType.statusCode()).isEqualTo(400);
        assertThat(json(badType.body()).path("error").path("param").asText()).isEqualTo("rpm");
    }

    @Test
    void sessionToken_narrowsItsParent_isBilledAsASession_andExpires() throws Exception {
        JsonNode session = mint(app, """
                {"ttl_seconds":600,"models":["demo"],"limits":{"rpm":2}}""");
        String token = session.path("token").asText();
        assertThat(token).startsWith("sk-sluice-session.");

        assertThat(chat(token, "demo").statusCode()).isEqualTo(200);
        assertThat(chat(token, "other").statusCode()).as("narrowed to demo").isEqualTo(404);
        assertThat(chat(token, "demo").statusCode()).isEqualTo(200);
        assertThat(chat(token, "demo").statusCode()).as("its own rpm of 2").isEqualTo(429);
        assertThat(usage.events())
                .filteredOn(event -> "session".equals(event.keyLevel()))
                .extracting(UsageEvent::sessionId)
                .containsOnly(session.path("id").asText())
                .hasSize(2);

        clock.advance(Duration.ofSeconds(601));
        HttpResponse<String> expired = chat(token, "demo");
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.body()).contains("expired");
    }

    @Test
    void sessionToken_tamperedOrSignedByAnotherKey_isRefused_andASessionCannotMint() throws Exception {
        String token = mint(app, "{}").path("token").asText();
        String[] parts = token.substring("sk-sluice-session.".length()).split("\\.");
        String payload =
                new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"tid\":\"acme\"", "\"tid\":\"globex\"");
        String tampered = "sk-sluice-session." + parts[0] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
        assertThat(chat(tampered, "demo").statusCode()).isEqualTo(401);

        String foreign = new SessionTokens(SigningKeys.of(new SigningKey("k1", bytes(9))), clock).mint(claimsOf(token));
        assertThat(chat(foreign, "demo").statusCode())
                .as("same kid, other secret")
                .isEqualTo(401);

        HttpResponse<String> chained = send("POST", "/sluice/v1/sessions", token, "{}");
        assertThat(chained.statusCode()).isEqualTo(403);
    }

    @Test
    void signingKeyRotation_keepsOldTokensWhileTheOldKeyIsInTheRing() throws Exception {
        String old = mint(app, "{}").path("token").asText();

        signingSecret.set(ring(SECOND, FIRST));
        String fresh = mint(app, "{}").path("token").asText();
        assertThat(chat(old, "demo").statusCode()).isEqualTo(200);
        assertThat(chat(fresh, "demo").statusCode()).isEqualTo(200);

        signingSecret.set(ring(SECOND));
        assertThat(chat(old, "demo").statusCode()).isEqualTo(401);
        assertThat(chat(fresh, "demo").statusCode()).isEqualTo(200);
    }

    @Test
    void revokingTheParentKey_revokesItsTokens() throws Exception {
        JsonNode created = json(send("POST", "/sluice/v1/keys", admin, "{}").body());
        String token = mint(created.path("key").asText(), "{}").path("token").asText();
        assertThat(chat(token, "demo").statusCode()).isEqualTo(200);

        send("DELETE", "/sluice/v1/keys/" + created.path("id").asText(), admin, null);

        HttpResponse<String> revoked = chat(token, "demo");
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(revoked.body()).contains("no longer active");
    }

    /** The claims of a genuine token, to sign them again with another key. */
    private SessionClaims claimsOf(String token) {
        return new SessionTokens(SigningKeys.parse(signingSecret.get()), clock).verify(token);
    }

    private JsonNode mint(String key, String body) throws Exception {
        HttpResponse<String> response = send("POST", "/sluice/v1/sessions", key, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response.body());
    }

    private HttpResponse<String> chat(String key, String model) throws Exception {
        return send("POST", "/v1/chat/completions", key, """
                {"model":"%s","messages":[{"role":"user","content":"hi"}]}""".formatted(model));
    }

    private HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + path))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String body) throws Exception {
        return Json.MAPPER.readTree(body);
    }
}
