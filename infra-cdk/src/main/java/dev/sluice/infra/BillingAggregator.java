package dev.sluice.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.StartingPosition;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.eventsources.KinesisEventSource;
import software.amazon.awscdk.services.lambda.eventsources.SqsDlq;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The billing aggregator: reads usage events from the stream in batches and folds them into the usage table
 * ({@code functions/billing-aggregator}). A record that keeps failing is isolated by bisecting the batch and
 * reported as a batch item failure; after the retries its batch's position goes to the failed-batches queue, so
 * one bad event never stops billing for everyone else.
 */
public final class BillingAggregator extends Construct {
    public static final String HANDLER = "dev.sluice.aggregator.AggregatorHandler::handleRequest";
    public static final int BATCH_SIZE = 500;
    public static final int BATCH_WINDOW_SECONDS = 5;
    public static final int RETRY_ATTEMPTS = 5;

    private final Function function;
    private final Alias alias;
    private final Queue failedBatches;

    public BillingAggregator(Construct scope, String id, SluiceSettings settings, SluiceData data) {
        super(scope, id);

        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        // Holds the shard positions of batches that failed every retry (not the events: those stay in the stream
        // for its 24 h retention), long enough to replay them.
        failedBatches = Queue.Builder.create(this, "FailedBatches")
                .retentionPeriod(Duration.days(14))
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();

        function = Function.Builder.create(this, "Function")
                .description("Sluice billing aggregator (" + settings.stage() + "): usage stream to usage table")
                .runtime(Runtime.JAVA_21)
                .architecture(settings.lambdaArchitecture())
                .handler(HANDLER)
                .code(LambdaCode.fromBuiltFile(settings.aggregatorAsset(), "aggregatorAsset"))
                .memorySize(settings.aggregatorMemoryMb())
                .timeout(Duration.minutes(2))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .tracing(Tracing.ACTIVE)
                .environment(Map.of("SLUICE_USAGE_TABLE", data.usage().getTableName()))
                .logGroup(logs)
                .build();

        alias = Alias.Builder.create(this, "LiveAlias")
                .aliasName(RouterFunction.LIVE_ALIAS)
                .version(function.getCurrentVersion())
                .build();
        Annotations.of(function)
                .acknowledgeWarning(
                        "@aws-cdk/aws-lambda:snapStartRequirePublish",
                        "the live alias points at the version published from the function's current configuration");

        // On the alias, so the mapping invokes the SnapStart version; the event source adds the stream's read
        // actions and SendMessage on the queue to the role, both scoped to their ARNs.
        alias.addEventSource(KinesisEventSource.Builder.create(data.usageStream())
                .startingPosition(StartingPosition.TRIM_HORIZON)
                .batchSize(BATCH_SIZE)
                .maxBatchingWindow(Duration.seconds(BATCH_WINDOW_SECONDS))
                .reportBatchItemFailures(true)
                .bisectBatchOnError(true)
                .retryAttempts(RETRY_ATTEMPTS)
                .onFailure(new SqsDlq(failedBatches))
                .build());

        // The fold reads a row's checkpoint (GetItem) and adds to it with a conditional UpdateItem; nothing else.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("FoldUsage")
                .actions(List.of("dynamodb:UpdateItem", "dynamodb:GetItem"))
                .resources(List.of(data.usage().getTableArn()))
                .build());
    }

    public Function function() {
        return function;
    }

    public Alias alias() {
        return alias;
    }

    public Queue failedBatches() {
        return failedBatches;
    }
}
