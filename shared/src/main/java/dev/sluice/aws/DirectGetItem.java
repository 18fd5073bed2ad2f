package dev.sluice.aws;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One eventually consistent DynamoDB {@code GetItem}, made without the SDK's request pipeline ({@link
 * SignedJsonCall}): the request is written as DynamoDB's JSON protocol, signed with the SDK's own SigV4 signer and the
 * client's own credentials, and sent over {@link BufferedUrlConnectionHttpClient} on the calling thread. For the response cache's lookup, which every
 * cacheable request waits for and where any failure is simply a miss: no retries, no SDK timers, no interceptors.
 *
 * <p>Why: through the SDK a {@code GetItem} spends more time in the SDK's pipeline (execution context, interceptors,
 * endpoint rules, metrics, timeout timers, marshalling) than on the wire; this path keeps only the signing and the
 * HTTP exchange. The endpoint, region and credentials come from the {@link DynamoDbClient} it is made from, so the two
 * cannot disagree. The SDK ships no lighter call, so this is the small part we need, written here.
 *
 * <p>Failures are thrown as {@link UncheckedIOException} (transport, timeouts) or {@link IllegalStateException} (an
 * error answer: its {@code __type} and message, never the request); the caller decides what they mean.
 */
public final class DirectGetItem {
    private static final String TARGET = "DynamoDB_20120810.GetItem";
    private static final String CONTENT_TYPE = "application/x-amz-json-1.0";

    private final SignedJsonCall call;

    private DirectGetItem(SignedJsonCall call) {
        this.call = call;
    }

    /**
     * Reads through the same endpoint, region and credentials as {@code client}.
     *
     * @param timeout bound on connecting and on each wait for the answer's bytes
     */
    public static DirectGetItem of(DynamoDbClient client, Duration timeout) {
        return new DirectGetItem(
                SignedJsonCall.of(client.serviceClientConfiguration(), "dynamodb", CONTENT_TYPE, timeout));
    }

    /** The item's attributes, or an empty map when the table holds no item with this key. */
    public Map<String, AttributeValue> get(String table, Map<String, AttributeValue> key) {
        try {
            SignedJsonCall.Answer answer = call.post(TARGET, requestBody(table, key));
            if (!answer.ok()) {
                throw new IllegalStateException("DynamoDB answered " + answer.error());
            }
            JsonNode item = answer.json().path("Item");
            return item.isObject() ? attributes(item) : Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException("GetItem on " + table + " failed", e);
        }
    }

    /** {@code {"TableName":…,"Key":{…}}}: eventually consistent, every attribute. */
    static byte[] requestBody(String table, Map<String, AttributeValue> key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("TableName", table);
            json.writeObjectFieldStart("Key");
            for (Map.Entry<String, AttributeValue> attribute : key.entrySet()) {
                json.writeFieldName(attribute.getKey());
                writeKeyValue(json, attribute.getValue());
            }
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A key attribute: a string, a number or binary, as DynamoDB allows for keys. */
    private static void writeKeyValue(JsonGenerator json, AttributeValue value) throws IOException {
        json.writeStartObject();
        switch (value.type()) {
            case S -> json.writeStringField("S", value.s());
            case N -> json.writeStringField("N", value.n());
            case B ->
                json.writeStringField(
                        "B", Base64.getEncoder().encodeToString(value.b().asByteArrayUnsafe()));
            default -> throw new IllegalArgumentException("a key attribute is a string, a number or binary");
        }
        json.writeEndObject();
    }

    private static Map<String, AttributeValue> attributes(JsonNode item) {
        Map<String, AttributeValue> attributes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            attributes.put(field.getKey(), value(field.getValue()));
        }
        return attributes;
    }

    /** One value in DynamoDB's JSON: an object with one member named by its type. */
    static AttributeValue value(JsonNode typed) {
        Map.Entry<String, JsonNode> only = typed.fields().next();
        JsonNode v = only.getValue();
        return switch (only.getKey()) {
            case "S" -> AttributeValue.fromS(v.asText());
            case "N" -> AttributeValue.fromN(v.asText());
            case "B" ->
                AttributeValue.fromB(
                        SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(v.asText())));
            case "BOOL" -> AttributeValue.fromBool(v.asBoolean());
            case "NULL" -> AttributeValue.fromNul(true);
            case "M" -> AttributeValue.fromM(attributes(v));
            case "L" -> {
                List<AttributeValue> list = new ArrayList<>(v.size());
                v.forEach(element -> list.add(value(element)));
                yield AttributeValue.fromL(list);
            }
            case "SS" -> AttributeValue.fromSs(texts(v));
            case "NS" -> AttributeValue.fromNs(texts(v));
            case "BS" -> {
                List<SdkBytes> bytes = new ArrayList<>(v.size());
                v.forEach(element -> bytes.add(
                        SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(element.asText()))));
                yield AttributeValue.fromBs(bytes);
            }
            default -> throw new IllegalStateException("unknown DynamoDB attribute type " + only.getKey());
        };
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>(array.size());
        array.forEach(element -> texts.add(element.asText()));
        return texts;
    }
}
