package dev.sluice.aggregator;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.event.UsageEventCodec;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Builds Kinesis events the way the Lambda event source mapping delivers them. */
final class KinesisEvents {
    static final BigInteger FIRST_SEQUENCE = new BigInteger("49590338271490256608559692538361571095921575989136588800");

    private KinesisEvents() {}

    static KinesisEvent.KinesisEventRecord record(String shard, BigInteger sequence, byte[] data) {
        KinesisEvent.Record kinesis = new KinesisEvent.Record();
        kinesis.setSequenceNumber(sequence.toString());
        kinesis.setData(ByteBuffer.wrap(data));
        kinesis.setPartitionKey("p");
        KinesisEvent.KinesisEventRecord record = new KinesisEvent.KinesisEventRecord();
        record.setEventID(shard + ":" + sequence);
        record.setEventSource("aws:kinesis");
        record.setKinesis(kinesis);
        return record;
    }

    /** Events on one shard with consecutive sequence numbers from {@link #FIRST_SEQUENCE}. */
    static List<KinesisEvent.KinesisEventRecord> onShard(String shard, List<UsageEvent> events) {
        List<KinesisEvent.KinesisEventRecord> records = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            records.add(
                    record(shard, FIRST_SEQUENCE.add(BigInteger.valueOf(i)), UsageEventCodec.encode(events.get(i))));
        }
        return records;
    }

    static KinesisEvent of(List<KinesisEvent.KinesisEventRecord> records) {
        KinesisEvent event = new KinesisEvent();
        event.setRecords(new ArrayList<>(records));
        return event;
    }

    static UsageEvent usage(
            String requestId,
            String tenant,
            String alias,
            String keyId,
            long prompt,
            long completion,
            long cost,
            String status) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                requestId,
                1_795_428_000_000L,
                tenant,
                keyId,
                alias,
                "demo",
                "demo-1",
                prompt,
                completion,
                0,
                0,
                cost,
                100,
                10,
                status,
                200,
                true,
                false,
                false);
    }
}
