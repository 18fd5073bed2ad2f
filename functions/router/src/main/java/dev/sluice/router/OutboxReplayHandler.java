package dev.sluice.router;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.sluice.aws.AwsClients;
import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.OutboxReplayer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled replay of the usage outbox: a Lambda function of its own on the router's deployment zip (handler
 * {@code dev.sluice.router.OutboxReplayHandler::handleRequest}, the java21 managed runtime, no Web Adapter), invoked by
 * a schedule. The event's content is not read. It drains the outbox ({@code SLUICE_OUTBOX_TABLE}) into the usage
 * stream ({@code SLUICE_USAGE_STREAM}) until the outbox is empty, the stream refuses, or the invocation is within
 * {@link #MARGIN} of its timeout; it needs Scan and DeleteItem on the outbox table and PutRecords on the stream.
 * Configuration is the router's ({@link RouterConfig}: endpoints, timeouts, table names).
 */
public final class OutboxReplayHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxReplayHandler.class);
    /** Left of the invocation's time when the drain stops, for the last batch's calls to finish. */
    static final Duration MARGIN = Duration.ofSeconds(5);
    /** The drain's budget when there is no Lambda context (a test, a local run). */
    static final Duration WITHOUT_CONTEXT = Duration.ofSeconds(50);

    private final OutboxReplayer replayer;

    /** Production wiring, once per instance. */
    public OutboxReplayHandler() {
        this(System.getenv());
    }

    /** Wiring from an environment such as the function's. */
    public OutboxReplayHandler(Map<String, String> env) {
        this(replayer(RouterConfig.fromEnvironment(env)));
    }

    OutboxReplayHandler(OutboxReplayer replayer) {
        this.replayer = replayer;
    }

    private static OutboxReplayer replayer(RouterConfig config) {
        AwsClients aws = AwsClients.create(config.aws());
        return new OutboxReplayer(
                new DynamoDbUsageOutbox(
                        aws.dynamoDb(config.dynamoDbEndpoint()), config.tables().outbox(), Clock.systemUTC()),
                new KinesisUsagePublisher(aws.kinesis(config.kinesisEndpoint()), config.usageStream()));
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> scheduled, Context context) {
        Duration budget = context == null
                ? WITHOUT_CONTEXT
                : Duration.ofMillis(context.getRemainingTimeInMillis()).minus(MARGIN);
        OutboxReplayer.Drain drain = replayer.drain(budget.isNegative() ? Duration.ZERO : budget);
        LOG.info(
                "usage outbox replay: {} events into the stream, {} refused, outbox {}",
                drain.replayed(),
                drain.refused(),
                drain.empty() ? "empty" : "not yet empty");
        return Map.of("replayed", drain.replayed(), "refused", drain.refused(), "empty", drain.empty());
    }
}
