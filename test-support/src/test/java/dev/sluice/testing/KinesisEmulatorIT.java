package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;

@RequiresNode(unlessSet = {KinesisEmulator.ENDPOINT_PROPERTY, KinesisEmulator.ENDPOINT_VARIABLE})
class KinesisEmulatorIT {

    private static KinesisEmulator kinesis;

    @BeforeAll
    static void startEmulator() {
        kinesis = KinesisEmulator.shared();
    }

    @Test
    void endpoint_isLoopbackPlainHttp() {
        assertThat(kinesis.endpoint().getScheme()).isEqualTo("http");
        assertThat(kinesis.endpoint().getHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void putRecords_acrossShards_readAllReturnsEveryRecord() {
        String stream = LocalDynamoDb.uniqueName("usage");
        kinesis.createStream(stream, 2);
        List<PutRecordsRequestEntry> entries = IntStream.range(0, 25)
                .mapToObj(i -> PutRecordsRequestEntry.builder()
                        .partitionKey("key-" + i)
                        .data(SdkBytes.fromString("event-" + i, StandardCharsets.UTF_8))
                        .build())
                .toList();

        PutRecordsResponse response;
        try (KinesisClient client = kinesis.newClient()) {
            response = client.putRecords(b -> b.streamName(stream).records(entries));
        }
        List<Record> records = kinesis.readAll(stream, Duration.ofSeconds(10), 25);

        assertThat(response.failedRecordCount()).isZero();
        assertThat(records)
                .extracting(r -> r.data().asUtf8String())
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, 25).mapToObj(i -> "event-" + i).toList());
        assertThat(records)
                .extracting(Record::sequenceNumber)
                .doesNotContainNull()
                .doesNotHaveDuplicates();
    }

    @Test
    void readAll_onEmptyStream_returnsEmptyAfterTimeout() {
        String stream = LocalDynamoDb.uniqueName("empty");
        kinesis.createStream(stream, 1);

        assertThat(kinesis.readAll(stream, Duration.ofMillis(200), 1)).isEmpty();
    }
}
