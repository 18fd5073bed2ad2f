package dev.sluice.store;

import dev.sluice.guard.BedrockGuardrail;
import dev.sluice.guard.GuardPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A guard policy as the {@code guard} map attribute, shared by routes and tenants:
 * {@code {pii: S, deny: L<S>, bedrockGuardrail?: {id: S, version: S, region?: S}}}. A policy that inspects nothing
 * is not written, and an item without the attribute (written before it existed) reads as off.
 */
final class GuardAttributes {
    private static final String GUARD = "guard";

    private GuardAttributes() {}

    static void put(Map<String, AttributeValue> item, GuardPolicy guard) {
        if (!guard.inspects()) {
            return;
        }
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("pii", Attributes.s(guard.pii().wireName()));
        m.put(
                "deny",
                AttributeValue.fromL(guard.deny().stream().map(Attributes::s).toList()));
        BedrockGuardrail bedrock = guard.bedrockGuardrail();
        if (bedrock != null) {
            Map<String, AttributeValue> b = new HashMap<>();
            b.put("id", Attributes.s(bedrock.id()));
            b.put("version", Attributes.s(bedrock.version()));
            if (bedrock.region() != null) {
                b.put("region", Attributes.s(bedrock.region()));
            }
            m.put("bedrockGuardrail", AttributeValue.fromM(b));
        }
        item.put(GUARD, AttributeValue.fromM(m));
    }

    static GuardPolicy read(Map<String, AttributeValue> item) {
        AttributeValue value = item.get(GUARD);
        if (value == null || !value.hasM()) {
            return GuardPolicy.OFF;
        }
        Map<String, AttributeValue> m = value.m();
        AttributeValue deny = m.get("deny");
        AttributeValue bedrock = m.get("bedrockGuardrail");
        return GuardPolicy.of(
                GuardPolicy.Mode.fromWireName(Attributes.string(m, "pii")),
                deny == null || !deny.hasL()
                        ? List.of()
                        : deny.l().stream().map(AttributeValue::s).toList(),
                bedrock == null || !bedrock.hasM()
                        ? null
                        : new BedrockGuardrail(
                                Attributes.string(bedrock.m(), "id"),
                                Attributes.string(bedrock.m(), "version"),
                                Attributes.string(bedrock.m(), "region")));
    }
}
