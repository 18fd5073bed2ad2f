package dev.sluice.infra;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.kinesis.Stream;
import software.amazon.awscdk.services.kinesis.StreamEncryption;
import software.amazon.awscdk.services.kinesis.StreamMode;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * Sluice's state: the four tables (key schemas exactly as {@code dev.sluice.store.SluiceTables} creates them for
 * dev mode and the emulators), the usage stream, and one empty secret per provider credential.
 *
 * <p>Table names are left to CloudFormation, so stages and re-deploys never collide; the functions get them through
 * their environment and operators through the stack outputs.
 */
public final class SluiceData extends Construct {
    // The attribute names of dev.sluice.store.SluiceTables; infra-cdk does not depend on shared, so they are
    // repeated here and pinned by SluiceDataTest.
    static final String KEY_HASH = "keyHash";
    static final String ALIAS = "alias";
    static final String COUNTER = "counter";
    static final String CACHE_KEY = "cacheKey";
    static final String EVENT_ID = "eventId";
    static final String DAY = "day";
    static final String AT = "at";
    static final String TENANT = "tenant";
    static final String PERIOD = "period";
    static final String EXPIRES_AT = "expiresAt";
    static final String TENANT_ID = "tenantId";
    static final String KEY_ID = "keyId";
    static final String KEYS_BY_TENANT = "byTenant";
    static final String KEYS_BY_ID = "byKeyId";
    /** dev.sluice.auth.session.SessionTokenSource.SECRET_NAME: read under the stage's secret prefix. */
    static final String SESSION_SIGNING = "session-signing";

    private final Table keys;
    private final Table tenants;
    private final Table routes;
    private final Table counters;
    private final Table cache;
    private final Table usage;
    private final Table outbox;
    private final Table audit;
    private final Stream usageStream;
    private final Map<String, Secret> providerSecrets = new LinkedHashMap<>();
    private final Secret sessionSigning;

    public SluiceData(Construct scope, String id, SluiceSettings settings) {
        super(scope, id);
        // Losing keys means every client must be re-issued a key; losing tenants loses their limits and budgets;
        // losing usage means losing billing history.
        // Routes and counters are cheap to recreate (routes from cli/routes/, counters expire within minutes).
        keys = table("KeysTable", KEY_HASH, null, settings, true);
        // Management only: a tenant's keys (admin API, gatewayctl keys list) and a key by its printable id (revoke,
        // rotate). The request path reads a key by its hash and never touches them.
        keys.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(KEYS_BY_TENANT)
                .partitionKey(string(TENANT_ID))
                .sortKey(string(KEY_ID))
                .projectionType(ProjectionType.ALL)
                .build());
        keys.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(KEYS_BY_ID)
                .partitionKey(string(KEY_ID))
                .projectionType(ProjectionType.ALL)
                .build());
        tenants = table("TenantsTable", TENANT_ID, null, settings, true);
        routes = table("RoutesTable", ALIAS, null, settings, false);
        counters = Table.Builder.create(this, "CountersTable")
                .partitionKey(string(COUNTER))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(EXPIRES_AT)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();
        // Rows are kept; the per-request claims that make replays count once expire by TTL (30 days after the event).
        usage = tableBuilder("UsageTable", TENANT, PERIOD, settings, true)
                .timeToLiveAttribute(EXPIRES_AT)
                .build();
        // Cached answers (and the semantic cache's index buckets) expire by TTL; losing them costs only tokens.
        cache = Table.Builder.create(this, "ResponseCacheTable")
                .partitionKey(string(CACHE_KEY))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(EXPIRES_AT)
                .removalPolicy(software.amazon.awscdk.RemovalPolicy.DESTROY)
                .build();

        // Usage events the stream refused or did not take in time wait here for the replayer: each is a request
        // not yet billed, so the table is kept like the stream; replayed items are deleted, stale ones expire.
        outbox = Table.Builder.create(this, "UsageOutboxTable")
                .partitionKey(string(EVENT_ID))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(EXPIRES_AT)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();
        // The append-only record of management actions, by UTC day and instant: evidence, so protected like keys.
        audit = tableBuilder("AuditTable", DAY, AT, settings, true)
                .timeToLiveAttribute(EXPIRES_AT)
                .build();

        // On demand: no shards to size. Events not yet billed live only here, so it is kept like the tables.
        usageStream = Stream.Builder.create(this, "UsageStream")
                .streamMode(StreamMode.ON_DEMAND)
                .encryption(StreamEncryption.MANAGED)
                .retentionPeriod(Duration.hours(24))
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        // The HMAC key ring session tokens are signed with. CloudFormation generates one key,
        // {"kid":"initial","secret":<48 base64 characters>}; rotate by putting {"keys":[new, old]} and dropping the old
        // key a day later (a session token lives at most 24 h).
        sessionSigning = Secret.Builder.create(this, "SessionSigningSecret")
                .generateSecretString(SecretStringGenerator.builder()
                        .secretStringTemplate("{\"kid\":\"initial\"}")
                        .generateStringKey("secret")
                        .passwordLength(48)
                        .excludePunctuation(true)
                        .build())
                .secretName(settings.secretName(SESSION_SIGNING))
                .description("Sluice " + settings.stage() + ": the key ring session tokens are signed with.")
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        for (String provider : settings.providerSecrets()) {
            // No value in the template: CloudFormation generates {"placeholder": "...", "generated": <random>},
            // which the router recognises as "not configured yet" (a clear 502 upstream_credentials_missing, not a
            // random key sent upstream), until the operator puts the real key with put-secret-value.
            Secret secret = Secret.Builder.create(this, "Secret-" + provider)
                    .generateSecretString(SecretStringGenerator.builder()
                            .secretStringTemplate("{\"placeholder\":\"put the provider key with aws secretsmanager "
                                    + "put-secret-value\"}")
                            .generateStringKey("generated")
                            .build())
                    .secretName(settings.secretName(provider))
                    .description("Sluice " + settings.stage() + ": credential for provider '" + provider
                            + "'. Routes name it as secretRef '" + provider + "' (the router prepends "
                            + settings.secretPrefix() + "). Put the key with aws secretsmanager put-secret-value.")
                    .removalPolicy(settings.dataRemovalPolicy())
                    .build();
            providerSecrets.put(provider, secret);
        }
    }

    private Table table(String id, String partitionKey, String sortKey, SluiceSettings settings, boolean precious) {
        return tableBuilder(id, partitionKey, sortKey, settings, precious).build();
    }

    private Table.Builder tableBuilder(
            String id, String partitionKey, String sortKey, SluiceSettings settings, boolean precious) {
        boolean protect = precious && !settings.throwaway();
        Table.Builder builder = Table.Builder.create(this, id)
                .partitionKey(string(partitionKey))
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .deletionProtection(protect)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(protect)
                        .build())
                .removalPolicy(settings.dataRemovalPolicy());
        if (sortKey != null) {
            builder.sortKey(string(sortKey));
        }
        return builder;
    }

    private static Attribute string(String name) {
        return Attribute.builder().name(name).type(AttributeType.STRING).build();
    }

    public Table keys() {
        return keys;
    }

    public Table tenants() {
        return tenants;
    }

    public Table routes() {
        return routes;
    }

    public Table counters() {
        return counters;
    }

    public Table cache() {
        return cache;
    }

    public Table usage() {
        return usage;
    }

    /** Usage events waiting to be replayed into the stream ({@code SLUICE_OUTBOX_TABLE}). */
    public Table outbox() {
        return outbox;
    }

    /** Management actions ({@code SLUICE_AUDIT_TABLE}). */
    public Table audit() {
        return audit;
    }

    public Stream usageStream() {
        return usageStream;
    }

    public Secret sessionSigning() {
        return sessionSigning;
    }

    /** Provider name to secret, in the order of the context list. */
    public Map<String, Secret> providerSecrets() {
        return Collections.unmodifiableMap(providerSecrets);
    }
}
