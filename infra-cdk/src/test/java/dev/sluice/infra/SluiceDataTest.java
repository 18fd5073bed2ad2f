package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class SluiceDataTest {

    private static Map<String, Object> table(Template template, String partitionKey) {
        return Templates.resource(template, Templates.table(template, partitionKey));
    }

    private static List<Map<String, String>> keySchema(String hash, String range) {
        return range == null
                ? List.of(Map.of("AttributeName", hash, "KeyType", "HASH"))
                : List.of(
                        Map.of("AttributeName", hash, "KeyType", "HASH"),
                        Map.of("AttributeName", range, "KeyType", "RANGE"));
    }

    @Test
    void tables_haveExactlyTheKeySchemasOfSluiceTables() {
        Template template = Templates.defaults();

        template.resourceCountIs("AWS::DynamoDB::Table", 8);
        assertThat(Templates.properties(table(template, "keyHash")))
                .containsEntry("KeySchema", keySchema("keyHash", null))
                .containsEntry(
                        "GlobalSecondaryIndexes",
                        List.of(
                                Map.of(
                                        "IndexName", "byTenant",
                                        "KeySchema", keySchema("tenantId", "keyId"),
                                        "Projection", Map.of("ProjectionType", "ALL")),
                                Map.of(
                                        "IndexName", "byKeyId",
                                        "KeySchema", keySchema("keyId", null),
                                        "Projection", Map.of("ProjectionType", "ALL"))));
        assertThat(Templates.properties(table(template, "tenantId")))
                .containsEntry("KeySchema", keySchema("tenantId", null));
        assertThat(Templates.properties(table(template, "alias"))).containsEntry("KeySchema", keySchema("alias", null));
        assertThat(Templates.properties(table(template, "counter")))
                .containsEntry("KeySchema", keySchema("counter", null));
        assertThat(Templates.properties(table(template, "cacheKey")))
                .containsEntry("KeySchema", keySchema("cacheKey", null))
                .containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true));
        assertThat(Templates.properties(table(template, "tenant")))
                .containsEntry("KeySchema", keySchema("tenant", "period"))
                .containsEntry(
                        "AttributeDefinitions",
                        List.of(
                                Map.of("AttributeName", "tenant", "AttributeType", "S"),
                                Map.of("AttributeName", "period", "AttributeType", "S")));
        template.allResourcesProperties("AWS::DynamoDB::Table", Map.of("BillingMode", "PAY_PER_REQUEST"));
    }

    @Test
    void attributeNames_matchSluiceTables() {
        // shared/src/main/java/dev/sluice/store/SluiceTables.java: the adapters and the emulator scripts use these.
        assertThat(List.of(
                        SluiceData.KEY_HASH,
                        SluiceData.ALIAS,
                        SluiceData.COUNTER,
                        SluiceData.TENANT,
                        SluiceData.PERIOD,
                        SluiceData.EXPIRES_AT,
                        SluiceData.TENANT_ID,
                        SluiceData.KEY_ID,
                        SluiceData.KEYS_BY_TENANT,
                        SluiceData.KEYS_BY_ID,
                        SluiceData.EVENT_ID,
                        SluiceData.DAY,
                        SluiceData.AT))
                .containsExactly(
                        "keyHash",
                        "alias",
                        "counter",
                        "tenant",
                        "period",
                        "expiresAt",
                        "tenantId",
                        "keyId",
                        "byTenant",
                        "byKeyId",
                        "eventId",
                        "day",
                        "at");
    }

    @Test
    void usageOutbox_isKeyedByEventId_onDemand_expiring_andKept() {
        Map<String, Object> outbox = table(Templates.defaults(), "eventId");

        assertThat(Templates.properties(outbox))
                .containsEntry("KeySchema", keySchema("eventId", null))
                .containsEntry("BillingMode", "PAY_PER_REQUEST")
                .containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true));
        assertThat(outbox.get("DeletionPolicy")).isEqualTo("Retain");
    }

    @Test
    void auditLog_isKeyedByDayAndInstant_withPointInTimeRecovery_expiring_andKept() {
        Map<String, Object> audit = table(Templates.defaults(), "day");

        assertThat(Templates.properties(audit))
                .containsEntry("KeySchema", keySchema("day", "at"))
                .containsEntry("BillingMode", "PAY_PER_REQUEST")
                .containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true))
                .containsEntry("PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true));
        assertThat(audit.get("DeletionPolicy")).isEqualTo("Retain");
        assertThat(table(Templates.with(Map.of("throwaway", "true")), "day").get("DeletionPolicy"))
                .isEqualTo("Delete");
    }

    @Test
    void usage_claimsExpireThroughTtlOnExpiresAt_rowsAreKept() {
        Map<String, Object> usage = table(Templates.defaults(), "tenant");

        assertThat(Templates.properties(usage))
                .containsEntry("KeySchema", keySchema("tenant", "period"))
                .containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true));
        assertThat(usage.get("DeletionPolicy")).isEqualTo("Retain");
    }

    @Test
    void counters_expireThroughTtlOnExpiresAt() {
        assertThat(Templates.properties(table(Templates.defaults(), "counter")))
                .containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true));
    }

    @Test
    void keysAndUsage_areProtected_andKept() {
        Template template = Templates.defaults();

        for (String key : List.of("keyHash", "tenant", "tenantId")) {
            Map<String, Object> table = table(template, key);
            assertThat(Templates.properties(table))
                    .as(key)
                    .containsEntry("DeletionProtectionEnabled", true)
                    .containsEntry("PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true));
            assertThat(table.get("DeletionPolicy")).as(key).isEqualTo("Retain");
        }
        assertThat(Templates.properties(table(template, "alias")))
                .doesNotContainEntry("DeletionProtectionEnabled", true);
    }

    @Test
    void throwaway_dropsProtection_andDeletesData() {
        Template template = Templates.with(Map.of("throwaway", "true"));

        for (String key : List.of("keyHash", "alias", "counter", "tenant")) {
            Map<String, Object> table = table(template, key);
            assertThat(Templates.properties(table))
                    .as(key)
                    .doesNotContainEntry("DeletionProtectionEnabled", true)
                    .doesNotContainEntry(
                            "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true));
            assertThat(table.get("DeletionPolicy")).as(key).isEqualTo("Delete");
        }
        template.allResources("AWS::SecretsManager::Secret", Map.of("DeletionPolicy", "Delete"));
        template.allResources("AWS::Kinesis::Stream", Map.of("DeletionPolicy", "Delete"));
    }

    @Test
    void usageStream_isOnDemand_andEncrypted() {
        Templates.defaults()
                .hasResourceProperties(
                        "AWS::Kinesis::Stream",
                        Map.of(
                                "StreamModeDetails", Map.of("StreamMode", "ON_DEMAND"),
                                "StreamEncryption", Match.objectLike(Map.of("EncryptionType", "KMS"))));
    }

    @Test
    void secrets_areNamedPerStageAndProvider_andKept() {
        Template template = Templates.with(Map.of("stage", "prod", "providerSecrets", "openai,mistral"));

        List<Object> names = Templates.resources(template, "AWS::SecretsManager::Secret").values().stream()
                .map(r -> Templates.properties(r).get("Name"))
                .toList();

        assertThat(names)
                .containsExactlyInAnyOrder("sluice/prod/openai", "sluice/prod/mistral", "sluice/prod/session-signing");
        template.allResources("AWS::SecretsManager::Secret", Map.of("DeletionPolicy", "Retain"));
    }

    @Test
    void secrets_neverCarryAValueInTheTemplate() {
        for (Template template : List.of(Templates.defaults(), Templates.with(Map.of("throwaway", "true")))) {
            Templates.resources(template, "AWS::SecretsManager::Secret").forEach((id, secret) -> {
                Map<String, Object> properties = Templates.properties(secret);
                assertThat(properties).as(id).doesNotContainKey("SecretString");
                if (id.contains("SessionSigningSecret")) {
                    assertThat(properties.get("GenerateSecretString"))
                            .as(id + ": one key, generated by CloudFormation")
                            .isEqualTo(Map.of(
                                    "SecretStringTemplate",
                                    "{\"kid\":\"initial\"}",
                                    "GenerateStringKey",
                                    "secret",
                                    "PasswordLength",
                                    48,
                                    "ExcludePunctuation",
                                    true));
                    return;
                }
                assertThat(properties.get("GenerateSecretString"))
                        .as(id + ": the placeholder the router recognises")
                        .isEqualTo(Map.of(
                                "SecretStringTemplate",
                                "{\"placeholder\":\"put the provider key with aws secretsmanager put-secret-value\"}",
                                "GenerateStringKey",
                                "generated"));
            });
        }
    }

    @Test
    void noProviderSecrets_whenTheListIsEmpty() {
        Template template = Templates.with(Map.of("providerSecrets", ","));

        template.resourceCountIs("AWS::SecretsManager::Secret", 1); // the session signing key only
        assertThat(IamPolicies.ofFunction(template, "run.sh"))
                .filteredOn(statement -> statement.touches("secretsmanager:"))
                .extracting(IamPolicies.Statement::sid)
                .as("only the session signing key, no provider secret")
                .containsExactly("ReadSessionSigningKey");
    }
}
