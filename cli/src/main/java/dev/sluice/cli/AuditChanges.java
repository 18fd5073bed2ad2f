package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One line for the {@code CHANGE} column of {@code gatewayctl audit}: what differs between an entry's before and after,
 * field by field ({@code limits.rpm: 60 → 120; status: ACTIVE → REVOKED}), or {@code new} / {@code removed}. Objects
 * are compared field by field, lists as a whole; long values are shortened, and {@code --format json} has them all.
 */
final class AuditChanges {
    private static final int MAX_VALUE = 48;

    private AuditChanges() {}

    static String describe(String before, String after) {
        if (before == null && after == null) {
            return "";
        }
        if (before == null) {
            return "new";
        }
        if (after == null) {
            return "removed";
        }
        Map<String, JsonNode> old = flatten(tree(before));
        Map<String, JsonNode> now = flatten(tree(after));
        Set<String> fields = new LinkedHashSet<>(old.keySet());
        fields.addAll(now.keySet());
        List<String> changes = new ArrayList<>();
        for (String field : fields) {
            JsonNode was = old.get(field);
            JsonNode is = now.get(field);
            if (!Objects.equals(was, is)) {
                changes.add(field + ": " + text(was) + " → " + text(is));
            }
        }
        return changes.isEmpty() ? "no change" : String.join("; ", changes);
    }

    /** JSON text to a tree: what the audit log stores is always JSON; anything else is shown as a string. */
    static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.read(json);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(json);
        }
    }

    private static Map<String, JsonNode> flatten(JsonNode node) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        flatten("", node, fields);
        return fields;
    }

    private static void flatten(String path, JsonNode node, Map<String, JsonNode> fields) {
        if (node == null || !node.isObject()) {
            fields.put(path.isEmpty() ? "value" : path, node);
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            flatten(path.isEmpty() ? field.getKey() : path + "." + field.getKey(), field.getValue(), fields);
        }
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return "-";
        }
        String text = value.isTextual() ? value.asText() : value.toString();
        return text.length() <= MAX_VALUE ? text : text.substring(0, MAX_VALUE - 1) + "…";
    }
}
