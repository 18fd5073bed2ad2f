package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.sluice.json.Json;
import dev.sluice.usage.InMemoryUsageOutbox;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.OutboxReplayer;
import dev.sluice.usage.event.UsageEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/** The replay handler's time budget, from the Lambda context it is invoked with. */
class OutboxReplayHandlerTest {
    private final InMemoryUsageOutbox outbox = new InMemoryUsageOutbox();

    @Test
    void handleRequest_withNoMoreTimeThanItsMargin_touchesNothing_andSaysTheOutboxIsNotEmpty() throws Exception {
        outbox.park(new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_1",
                1L,
                "acme",
                "key_1",
                "demo",
                "demo",
                "demo-1",
                1,
                1,
                0,
                0,
                1,
                1,
                1,
                UsageEvent.OK,
                200,
                true,
                false,
                false));
        // Every call throws (the interface's defaults), which would show as a refused batch: a drain without time puts
        // nothing.
        KinesisClient untouchable = new KinesisClient() {
            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public void close() {}
        };
        OutboxReplayHandler handler =
                new OutboxReplayHandler(new OutboxReplayer(outbox, new KinesisUsagePublisher(untouchable, "usage")));

        Map<String, Object> result =
                handler.handleRequest(scheduledEvent(), remaining(OutboxReplayHandler.MARGIN.toMillis() - 1_000));

        assertThat(result).isEqualTo(Map.of("replayed", 0, "refused", 0, "empty", false));
        assertThat(outbox.events()).hasSize(1);
    }

    @Test
    void handleRequest_emptyOutbox_saysSo() throws Exception {
        OutboxReplayHandler handler =
                new OutboxReplayHandler(new OutboxReplayer(outbox, new KinesisUsagePublisher(null, "usage")));

        assertThat(handler.handleRequest(scheduledEvent(), remaining(60_000)))
                .isEqualTo(Map.of("replayed", 0, "refused", 0, "empty", true));
    }

    private static Map<String, Object> scheduledEvent() throws Exception {
        return Json.MAPPER.readValue(
                Files.readString(Path.of("../../events/scheduled-outbox-replay.json")), new TypeReference<>() {});
    }

    private static Context remaining(long millis) {
        return new Context() {
            @Override
            public String getAwsRequestId() {
                return "invocation-1";
            }

            @Override
            public String getLogGroupName() {
                return "/aws/lambda/sluice-outbox-replay";
            }

            @Override
            public String getLogStreamName() {
                return "stream";
            }

            @Override
            public String getFunctionName() {
                return "sluice-outbox-replay";
            }

            @Override
            public String getFunctionVersion() {
                return "1";
            }

            @Override
            public String getInvokedFunctionArn() {
                return "arn:aws:lambda:us-east-1:123456789012:function:sluice-outbox-replay";
            }

            @Override
            public CognitoIdentity getIdentity() {
                return null;
            }

            @Override
            public ClientContext getClientContext() {
                return null;
            }

            @Override
            public int getRemainingTimeInMillis() {
                return (int) millis;
            }

            @Override
            public int getMemoryLimitInMB() {
                return 512;
            }

            @Override
            public LambdaLogger getLogger() {
                return null;
            }
        };
    }
}
