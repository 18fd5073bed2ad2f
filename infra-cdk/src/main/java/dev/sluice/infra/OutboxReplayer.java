package dev.sluice.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * Puts parked usage events back on the stream: once a minute, a single instance scans the usage outbox, publishes
 * what it finds with PutRecords and deletes what the stream took. It runs from the router's deployment bundle
 * ({@code lib/} is on the java21 runtime's class path) with a plain handler, without the Web Adapter.
 */
public final class OutboxReplayer extends Construct {
    public static final String HANDLER = "dev.sluice.router.OutboxReplayHandler::handleRequest";
    public static final int MEMORY_MB = 512;
    public static final Duration TIMEOUT = Duration.seconds(60);
    public static final Duration EVERY = Duration.minutes(1);

    private final Function function;

    public OutboxReplayer(Construct scope, String id, SluiceSettings settings, SluiceData data) {
        super(scope, id);

        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(settings.dataRemovalPolicy())
                .build();

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("SLUICE_OUTBOX_TABLE", data.outbox().getTableName());
        environment.put("SLUICE_USAGE_STREAM", data.usageStream().getStreamName());
        function = Function.Builder.create(this, "Function")
                .description("Sluice outbox replayer (" + settings.stage() + "): parked usage events back to the "
                        + "usage stream, every minute")
                .runtime(Runtime.JAVA_21)
                .architecture(settings.lambdaArchitecture())
                .handler(HANDLER)
                .code(LambdaCode.fromBuiltFile(settings.routerAsset(), "routerAsset"))
                .memorySize(MEMORY_MB)
                .timeout(TIMEOUT)
                // One at a time: two replayers would publish the same parked event twice.
                .reservedConcurrentExecutions(1)
                // The next minute's run retries; an async retry, or a throttled run queued for longer than a minute,
                // would only overlap with it.
                .retryAttempts(0)
                .maxEventAge(EVERY)
                .tracing(Tracing.ACTIVE)
                .environment(environment)
                .logGroup(logs)
                .build();

        Rule.Builder.create(this, "Schedule")
                .description("Sluice " + settings.stage() + ": replay the usage outbox")
                .schedule(Schedule.rate(EVERY))
                .targets(List.of(new LambdaFunction(function)))
                .build();

        // Scan the outbox, delete what was published; put the events on the usage stream. Nothing else.
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("DrainOutbox")
                .actions(List.of("dynamodb:Scan", "dynamodb:DeleteItem"))
                .resources(List.of(data.outbox().getTableArn()))
                .build());
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("PublishUsage")
                .actions(List.of("kinesis:PutRecords"))
                .resources(List.of(data.usageStream().getStreamArn()))
                .build());
    }

    public Function function() {
        return function;
    }
}
