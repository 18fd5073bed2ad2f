package dev.sluice.infra;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.constructs.Construct;

/**
 * One Sluice deployment ({@code Sluice-<stage>}): data, router, streaming API, billing aggregator and operations,
 * wired in the order a request flows. The stack is environment-agnostic: it deploys to the account and region of
 * the credentials {@code cdk deploy} runs with.
 */
public final class SluiceStack extends Stack {
    private final SluiceData data;
    private final StreamingApi api;

    public SluiceStack(Construct scope, SluiceSettings settings) {
        super(
                scope,
                settings.stackName(),
                StackProps.builder()
                        .stackName(settings.stackName())
                        .description("Sluice " + settings.stage() + ": serverless OpenAI-compatible AI gateway")
                        .build());
        Tags.of(this).add("app", "sluice");
        Tags.of(this).add("stage", settings.stage());

        data = new SluiceData(this, "Data", settings);
        RouterFunction router = new RouterFunction(this, "Router", settings, data);
        api = new StreamingApi(this, "Api", settings, router);
        BillingAggregator aggregator = new BillingAggregator(this, "BillingAggregator", settings, data);
        OutboxReplayer replayer = new OutboxReplayer(this, "OutboxReplayer", settings, data);
        UsageArchive archive = new UsageArchive(this, "UsageArchive", settings, data);
        Operations operations = new Operations(this, "Operations", settings, router, api, aggregator, replayer);

        output(
                "ApiUrl",
                api.baseUrl(),
                "OpenAI base URL (POST /chat/completions, /messages, /embeddings; " + "GET /models)");
        if (api.functionUrl() != null) {
            output(
                    "FunctionUrl",
                    api.functionUrl().getUrl(),
                    "Router Function URL (RESPONSE_STREAM, auth " + settings.functionUrlAuth() + ")");
        }
        output("KeysTable", data.keys().getTableName(), "SLUICE_KEYS_TABLE");
        output("TenantsTable", data.tenants().getTableName(), "SLUICE_TENANTS_TABLE");
        output("RoutesTable", data.routes().getTableName(), "SLUICE_ROUTES_TABLE");
        output("CountersTable", data.counters().getTableName(), "SLUICE_COUNTERS_TABLE");
        output("ResponseCacheTable", data.cache().getTableName(), "SLUICE_CACHE_TABLE");
        output("UsageTable", data.usage().getTableName(), "SLUICE_USAGE_TABLE");
        output("UsageOutboxTable", data.outbox().getTableName(), "SLUICE_OUTBOX_TABLE");
        output("AuditTable", data.audit().getTableName(), "SLUICE_AUDIT_TABLE");
        output("UsageStream", data.usageStream().getStreamName(), "SLUICE_USAGE_STREAM");
        if (!settings.providerSecrets().isEmpty()) {
            List<String> names = new ArrayList<>();
            settings.providerSecrets().forEach(p -> names.add(settings.secretName(p)));
            output(
                    "ProviderSecrets",
                    String.join(",", names),
                    "A placeholder until you put the keys; a route's " + "secretRef is the provider name");
        }
        output("UsageArchiveBucket", archive.bucket().getBucketName(), "Every usage event as Parquet, by day");
        output(
                "AthenaWorkGroup",
                archive.workGroup().getRef(),
                "Athena workgroup with the saved finance queries (database " + archive.databaseName() + ", table "
                        + UsageArchive.TABLE + ")");
        output("AlarmTopic", operations.alarmTopic().getTopicArn(), "SNS topic of the alarms");
        output("NextSteps", nextSteps(settings), "Commands to run after the first deploy");
    }

    /** One line, since stack outputs are shown as one: the secret, a route, a key and a first streamed request. */
    private String nextSteps(SluiceSettings settings) {
        List<String> parts = new ArrayList<>();
        String env = "export AWS_REGION=" + getRegion()
                + " SLUICE_KEYS_TABLE=" + data.keys().getTableName()
                + " SLUICE_TENANTS_TABLE=" + data.tenants().getTableName()
                + " SLUICE_ROUTES_TABLE=" + data.routes().getTableName()
                + " SLUICE_USAGE_TABLE=" + data.usage().getTableName();
        if (settings.providerSecrets().contains("openai")) {
            String secret = settings.secretName("openai");
            parts.add("(1) aws secretsmanager put-secret-value --secret-id " + secret
                    + " --secret-string \"$OPENAI_API_KEY\"");
            parts.add("(2) " + env);
            parts.add(
                    "(3) ./gatewayctl routes put --file cli/routes/openai.json   (secretRef openai = " + secret + ")");
        } else {
            parts.add("(1) aws secretsmanager put-secret-value --secret-id sluice/" + settings.stage()
                    + "/<provider> --secret-string <key>");
            parts.add("(2) " + env);
            parts.add("(3) ./gatewayctl routes put --file cli/routes/<provider>.json   (secretRef <provider> = "
                    + settings.secretPrefix() + "<provider>)");
        }
        parts.add("(4) ./gatewayctl keys create --tenant acme --name first-key");
        parts.add(
                "(5) curl -N " + api.baseUrl() + "/chat/completions -H \"Authorization: Bearer <key>\""
                        + " -H 'Content-Type: application/json'"
                        + " -d '{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'");
        return String.join("  ", parts);
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    public SluiceData data() {
        return data;
    }

    public StreamingApi api() {
        return api;
    }
}
