package dev.sluice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.infra.IamPolicies.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awscdk.assertions.Template;

class IamLeastPrivilegeTest {
    private static final String ROUTER = "run.sh";
    private static final String AGGREGATOR = BillingAggregator.HANDLER;

    static List<Map<String, Object>> configurations() {
        return List.of(
                Map.of(),
                Map.of("throwaway", "true"),
                Map.of("functionUrl", "true", "functionUrlAuth", "NONE"),
                Map.of("architecture", "x86_64", "routerReservedConcurrency", "10"),
                Map.of("bedrockModels", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"),
                Map.of("compute", "managed-instances"));
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void dataActions_neverHaveWildcardResources(Map<String, Object> context) {
        List<Statement> statements = IamPolicies.all(Templates.with(context));

        assertThat(statements).isNotEmpty();
        for (Statement statement : statements) {
            for (String service : IamPolicies.DATA_SERVICES) {
                if (statement.touches(service)) {
                    assertThat(statement.resources())
                            .as("%s %s in %s", statement.sid(), statement.actions(), statement.policyId())
                            .isNotEmpty()
                            .noneMatch(IamPolicies::hasWildcard);
                }
            }
            if (statement.onlyWritesTraces()) {
                assertThat(statement.resources()).containsExactly("*");
            } else {
                assertThat(statement.resources())
                        .as("%s in %s", statement.actions(), statement.policyId())
                        .doesNotContain("*");
            }
            assertThat(statement.effect()).isEqualTo("Allow");
        }
    }

    @Test
    void router_getsExactlyTheActionsItUses() {
        List<Statement> router = IamPolicies.ofFunction(Templates.defaults(), ROUTER);

        assertThat(IamPolicies.actions(router))
                .containsExactlyInAnyOrder(
                        "dynamodb:GetItem",
                        "dynamodb:GetItem",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:Query",
                        "dynamodb:Query",
                        "secretsmanager:GetSecretValue",
                        "dynamodb:Scan",
                        "dynamodb:UpdateItem",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:BatchGetItem",
                        "dynamodb:UpdateItem",
                        "kinesis:PutRecords",
                        "dynamodb:PutItem",
                        "dynamodb:PutItem",
                        "dynamodb:Query",
                        "secretsmanager:GetSecretValue",
                        "bedrock:InvokeModel",
                        "bedrock:InvokeModelWithResponseStream",
                        "bedrock:InvokeModel",
                        "bedrock:InvokeModelWithResponseStream",
                        "bedrock:ApplyGuardrail",
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords");
    }

    @Test
    void managedInstances_giveTheRouterExactlyTheSameGrants() {
        List<Statement> lambda = IamPolicies.ofFunction(Templates.defaults(), ROUTER);
        List<Statement> managed =
                IamPolicies.ofFunction(Templates.with(Map.of("compute", "managed-instances")), ROUTER);

        assertThat(IamPolicies.actions(managed))
                .as("no VPC or EC2 permission: Lambda's operator role runs the instances, not the function")
                .containsExactlyInAnyOrderElementsOf(IamPolicies.actions(lambda))
                .noneMatch(a -> a.startsWith("ec2:"));
        assertThat(managed.stream().map(Statement::sid).toList())
                .containsExactlyInAnyOrderElementsOf(
                        lambda.stream().map(Statement::sid).toList());
    }

    @Test
    void router_readsOnlyKeysAndRoutes_andUpdatesOnlyCounters() {
        Template template = Templates.defaults();
        List<Statement> router = IamPolicies.ofFunction(template, ROUTER);

        assertThat(sid(router, "ReadKeys").resources())
                .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.KEY_HASH)));
        assertThat(sid(router, "ReadKeys").actions())
                .as("never a Scan over every tenant's keys")
                .containsExactly("dynamodb:GetItem");
        assertThat(sid(router, "ReadTenants").resources())
                .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.TENANT_ID)));
        assertThat(sid(router, "ReadTenants").actions()).containsExactly("dynamodb:GetItem");
        assertThat(sid(router, "ReadRoutes").resources())
                .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.ALIAS)));
        assertThat(sid(router, "ReadRoutes").actions()).containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:Scan");
        assertThat(sid(router, "CountRequests").resources())
                .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.COUNTER)));
        assertThat(sid(router, "CountRequests").actions()).containsExactly("dynamodb:UpdateItem");
        assertThat(sid(router, "ShareDeploymentHealth").resources())
                .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.COUNTER)));
        assertThat(sid(router, "ShareDeploymentHealth").actions())
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:PutItem");
        assertThat(sid(router, "ResponseCache").resources())
                .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.CACHE_KEY)));
        assertThat(sid(router, "ResponseCache").actions())
                .as("never a Scan across tenants' answers")
                .containsExactlyInAnyOrder(
                        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem");
        Object usage = Templates.arnOf(Templates.table(template, SluiceData.TENANT));
        assertThat(router)
                .as("the usage table is only queried, for an admin key's own rows")
                .filteredOn(s -> s.touches("dynamodb:") && s.resources().contains(usage))
                .extracting(Statement::actions)
                .containsExactly(List.of("dynamodb:Query"));
        assertThat(sid(router, "ManageKeys").actions()).containsExactlyInAnyOrder("dynamodb:PutItem", "dynamodb:Query");
        assertThat(sid(router, "ManageKeys").resources())
                .hasSize(3)
                .contains(Templates.arnOf(Templates.table(template, SluiceData.KEY_HASH)));
    }

    @Test
    void router_parksUsageInTheOutbox_andAppendsToTheAuditLog() {
        Template template = Templates.defaults();
        List<Statement> router = IamPolicies.ofFunction(template, ROUTER);
        Object outbox = Templates.arnOf(Templates.table(template, SluiceData.EVENT_ID));
        Object audit = Templates.arnOf(Templates.table(template, SluiceData.DAY));

        assertThat(router)
                .as("the router only writes to the outbox; the replayer drains it")
                .filteredOn(s -> s.resources().contains(outbox))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.actions()).containsExactly("dynamodb:PutItem");
                    assertThat(s.resources()).containsExactly(outbox);
                });
        assertThat(router)
                .filteredOn(s -> s.resources().contains(audit))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.actions()).containsExactlyInAnyOrder("dynamodb:PutItem", "dynamodb:Query");
                    assertThat(s.resources()).containsExactly(audit);
                });
    }

    @Test
    void outboxReplayer_drainsTheOutbox_andPublishesToTheStream_nothingElse() {
        Template template = Templates.defaults();
        List<Statement> replayer = IamPolicies.ofFunction(template, OutboxReplayer.HANDLER);
        Object outbox = Templates.arnOf(Templates.table(template, SluiceData.EVENT_ID));
        Object stream = Templates.arnOf(Templates.only(template, "AWS::Kinesis::Stream"));

        assertThat(replayer)
                .filteredOn(s -> s.touches("dynamodb:"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.actions()).containsExactlyInAnyOrder("dynamodb:Scan", "dynamodb:DeleteItem");
                    assertThat(s.resources()).containsExactly(outbox);
                });
        assertThat(replayer)
                .filteredOn(s -> s.touches("kinesis:"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.actions()).containsExactly("kinesis:PutRecords");
                    assertThat(s.resources()).containsExactly(stream);
                });
        assertThat(IamPolicies.actions(replayer))
                .containsExactlyInAnyOrder(
                        "dynamodb:Scan",
                        "dynamodb:DeleteItem",
                        "kinesis:PutRecords",
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords");
    }

    @Test
    void router_publishesOnlyToTheUsageStream() {
        Template template = Templates.defaults();
        String stream = Templates.only(template, "AWS::Kinesis::Stream");

        Statement publish = sid(IamPolicies.ofFunction(template, ROUTER), "PublishUsage");

        assertThat(publish.actions()).containsExactly("kinesis:PutRecords");
        assertThat(publish.resources()).containsExactly(Templates.arnOf(stream));
    }

    @Test
    void router_readsExactlyTheStacksSecrets() {
        Template template = Templates.defaults();
        List<Object> secrets = Templates.resources(template, "AWS::SecretsManager::Secret").keySet().stream()
                .map(id -> (Object) Templates.ref(id))
                .toList();

        Statement read = sid(IamPolicies.ofFunction(template, ROUTER), "ReadProviderSecrets");

        Statement signing = sid(IamPolicies.ofFunction(template, ROUTER), "ReadSessionSigningKey");

        assertThat(secrets).hasSize(4);
        assertThat(read.actions()).containsExactly("secretsmanager:GetSecretValue");
        assertThat(signing.actions()).containsExactly("secretsmanager:GetSecretValue");
        assertThat(Stream.concat(read.resources().stream(), signing.resources().stream()))
                .containsExactlyInAnyOrderElementsOf(secrets);
    }

    @Test
    void router_bedrockDefault_isTheRegionsModelsAndTheAccountsInferenceProfiles() {
        List<Statement> router = IamPolicies.ofFunction(Templates.defaults(), ROUTER);

        Statement models = sid(router, "InvokeBedrockModels");
        assertThat(models.actions())
                .containsExactlyInAnyOrder("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream");
        assertThat(models.resources()).hasSize(2);
        assertThat(String.valueOf(models.resources()))
                .contains("{Ref=AWS::Region}, ::foundation-model/*")
                .contains("{Ref=AWS::AccountId}, :inference-profile/*");
        Statement viaProfiles = sid(router, "InvokeBedrockModelsThroughInferenceProfiles");
        assertThat(String.valueOf(viaProfiles.resources())).contains(":bedrock:*::foundation-model/*");
        assertThat(String.valueOf(viaProfiles.condition()))
                .contains("bedrock:InferenceProfileArn")
                .contains(":inference-profile/*");
    }

    @Test
    void router_mayApplyThisAccountsGuardrails_only() {
        List<Statement> router = IamPolicies.ofFunction(Templates.defaults(), ROUTER);

        assertThat(sid(router, "ApplyBedrockGuardrails").actions()).containsExactly("bedrock:ApplyGuardrail");
        assertThat(sid(router, "ApplyBedrockGuardrails").resources().toString())
                .contains(":guardrail/*")
                .contains("AWS::AccountId");
    }

    @Test
    void router_bedrockModelsContext_grantsExactlyThoseArns() {
        String nova = "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0";
        String profile = "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.amazon.nova-lite-v1:0";

        List<Statement> router =
                IamPolicies.ofFunction(Templates.with(Map.of("bedrockModels", nova + "," + profile)), ROUTER);

        assertThat(router)
                .filteredOn(s -> s.touches("bedrock:invoke"))
                .singleElement()
                .satisfies(s -> assertThat(s.resources()).containsExactly(nova, profile))
                .satisfies(s -> assertThat(s.condition()).isNull());
    }

    @Test
    void aggregator_foldsIntoTheUsageTable_readsTheStream_andSendsToItsQueue() {
        Template template = Templates.defaults();
        List<Statement> aggregator = IamPolicies.ofFunction(template, AGGREGATOR);
        String stream = Templates.only(template, "AWS::Kinesis::Stream");
        String queue = Templates.only(template, "AWS::SQS::Queue");

        assertThat(aggregator)
                .filteredOn(s -> s.touches("dynamodb:"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.actions()).containsExactlyInAnyOrder("dynamodb:UpdateItem", "dynamodb:GetItem");
                    assertThat(s.resources())
                            .containsExactly(Templates.arnOf(Templates.table(template, SluiceData.TENANT)));
                });
        assertThat(aggregator).filteredOn(s -> s.touches("kinesis:")).allSatisfy(s -> {
            assertThat(s.resources()).containsExactly(Templates.arnOf(stream));
            assertThat(s.actions())
                    .allMatch(a -> a.startsWith("kinesis:Get")
                            || a.startsWith("kinesis:Describe")
                            || a.startsWith("kinesis:List")
                            || a.equals("kinesis:SubscribeToShard"));
        });
        assertThat(aggregator)
                .filteredOn(s -> s.touches("sqs:"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.actions())
                            .contains("sqs:SendMessage")
                            .allMatch(a -> a.startsWith("sqs:Send") || a.startsWith("sqs:GetQueue"));
                    assertThat(s.resources()).containsExactly(Templates.arnOf(queue));
                });
        assertThat(IamPolicies.actions(aggregator))
                .allMatch(a -> a.startsWith("dynamodb:")
                        || a.startsWith("kinesis:")
                        || a.startsWith("sqs:")
                        || IamPolicies.XRAY_WRITE.contains(a));
    }

    private static Statement sid(List<Statement> statements, String sid) {
        return statements.stream()
                .filter(s -> sid.equals(s.sid()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no statement " + sid + " in " + statements));
    }
}
