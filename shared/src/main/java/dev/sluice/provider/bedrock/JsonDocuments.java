package dev.sluice.provider.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkNumber;
import software.amazon.awssdk.core.document.Document;

/**
 * Jackson trees to the SDK's {@link Document}s and back: Bedrock takes tool schemas and tool inputs as free-form
 * documents. Numbers keep their exact decimal text both ways.
 */
final class JsonDocuments {
    private JsonDocuments() {}

    static Document toDocument(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Document.fromNull();
        }
        if (node.isObject()) {
            Map<String, Document> members = new LinkedHashMap<>();
            node.properties().forEach(member -> members.put(member.getKey(), toDocument(member.getValue())));
            return Document.fromMap(members);
        }
        if (node.isArray()) {
            List<Document> items = new ArrayList<>(node.size());
            node.forEach(item -> items.add(toDocument(item)));
            return Document.fromList(items);
        }
        if (node.isBoolean()) {
            return Document.fromBoolean(node.booleanValue());
        }
        if (node.isIntegralNumber()) {
            return Document.fromNumber(SdkNumber.fromBigInteger(node.bigIntegerValue()));
        }
        if (node.isNumber()) {
            return Document.fromNumber(SdkNumber.fromBigDecimal(node.decimalValue()));
        }
        return Document.fromString(node.asText());
    }

    static JsonNode toJson(Document document) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (document == null || document.isNull()) {
            return nodes.nullNode();
        }
        if (document.isMap()) {
            ObjectNode object = nodes.objectNode();
            document.asMap().forEach((name, value) -> object.set(name, toJson(value)));
            return object;
        }
        if (document.isList()) {
            ArrayNode array = nodes.arrayNode();
            document.asList().forEach(item -> array.add(toJson(item)));
            return array;
        }
        if (document.isBoolean()) {
            return nodes.booleanNode(document.asBoolean());
        }
        if (document.isNumber()) {
            return number(document.asNumber().stringValue());
        }
        return nodes.textNode(document.asString());
    }

    /** Read back as JSON so the node type is the one Jackson picks for that text (int, long, big, double). */
    private static JsonNode number(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return JsonNodeFactory.instance.numberNode(new BigDecimal(text));
        }
    }
}
