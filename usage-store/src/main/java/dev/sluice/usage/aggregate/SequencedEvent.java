package dev.sluice.usage.aggregate;

import dev.sluice.usage.event.UsageEvent;
import java.math.BigInteger;

/**
 * A usage event with its place in the stream: the shard it came from and its sequence number there. Sequence
 * numbers are zero-padded to a fixed width so they compare correctly as strings, also inside DynamoDB conditions.
 *
 * @param itemIdentifier the record's sequence number as Kinesis gave it, reported back on a partial failure
 */
public record SequencedEvent(String shardId, String sequence, String itemIdentifier, UsageEvent event) {
    private static final int WIDTH = 64;

    public static SequencedEvent of(String shardId, String sequenceNumber, UsageEvent event) {
        return new SequencedEvent(shardId, pad(sequenceNumber), sequenceNumber, event);
    }

    /** The record this is, {@code shard#sequence}: the same on every delivery of the record, and only of it. */
    public String recordId() {
        return shardId + "#" + sequence;
    }

    static String pad(String sequenceNumber) {
        String digits = new BigInteger(sequenceNumber).toString();
        return "0".repeat(Math.max(0, WIDTH - digits.length())) + digits;
    }
}
