package dev.sluice.aws;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Kinesis {@code PutRecords} without the SDK's request pipeline ({@link SignedJsonCall}): the records are written in
 * Kinesis's JSON protocol (data base64-encoded), signed with the SDK's own SigV4 signer and the client's own
 * credentials, and sent on the calling thread. Every streamed request publishes its usage event this way before its
 * response ends, so the SDK's per-call pipeline was paid once per request: on the router alone it measured about as
 * much CPU as the rest of the request's own work (bench/README.md, "The router alone").
 *
 * <p>No retries here: the caller decides. A record Kinesis rejects inside a successful call is reported with its
 * error code ({@link #put}); a failed call throws {@link UncheckedIOException} (transport, timeouts) or
 * {@link IllegalStateException} (an error answer: its status, type and message). The endpoint, region and credentials
 * come from the {@link KinesisClient} it is made from, so the two cannot disagree.
 */
public final class DirectPutRecords {
    private static final String TARGET = "Kinesis_20131202.PutRecords";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    /** One record: the partition key that picks its shard, and its bytes. */
    public record Entry(String partitionKey, byte[] data) {}

    private final SignedJsonCall call;

    private DirectPutRecords(SignedJsonCall call) {
        this.call = call;
    }

    /**
     * Puts through the same endpoint, region and credentials as {@code client}.
     *
     * @param timeout bound on connecting and on each wait for the answer's bytes
     */
    public static DirectPutRecords of(KinesisClient client, Duration timeout) {
        return new DirectPutRecords(
                SignedJsonCall.of(client.serviceClientConfiguration(), "kinesis", CONTENT_TYPE, timeout));
    }

    /**
     * Puts the records in one call (Kinesis takes up to 500). Returns, per record in order, null when Kinesis took it
     * or its error code when it rejected it (such a record was not written, so putting it again cannot duplicate it).
     */
    public List<String> put(String stream, List<Entry> records) {
        try {
            SignedJsonCall.Answer answer = call.post(TARGET, requestBody(stream, records));
            if (!answer.ok()) {
                throw new IllegalStateException("Kinesis answered " + answer.error());
            }
            JsonNode results = answer.json().path("Records");
            if (results.size() != records.size()) {
                throw new IllegalStateException(
                        "Kinesis answered " + results.size() + " results for " + records.size() + " records");
            }
            List<String> errors = new ArrayList<>(records.size());
            for (JsonNode result : results) {
                errors.add(
                        result.hasNonNull("ErrorCode") ? result.get("ErrorCode").asText() : null);
            }
            return errors;
        } catch (IOException e) {
            throw new UncheckedIOException("PutRecords to " + stream + " failed", e);
        }
    }

    /** {@code {"StreamName":…,"Records":[{"Data":<base64>,"PartitionKey":…},…]}} (public for priming). */
    public static byte[] requestBody(String stream, List<Entry> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 1024 * records.size());
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("StreamName", stream);
            json.writeArrayFieldStart("Records");
            for (Entry record : records) {
                json.writeStartObject();
                json.writeFieldName("Data");
                json.writeBinary(record.data()); // base64, as the JSON protocol carries blobs
                json.writeStringField("PartitionKey", record.partitionKey());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
