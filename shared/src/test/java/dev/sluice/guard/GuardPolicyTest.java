package dev.sluice.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.guard.GuardPolicy.Mode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GuardPolicyTest {
    private static final BedrockGuardrail TENANTS = new BedrockGuardrail("tenantgr1", "3", null);
    private static final BedrockGuardrail ROUTES = new BedrockGuardrail("routegr2", "DRAFT", "eu-west-1");

    @ParameterizedTest(name = "tenant {0} + route {1} = {2}")
    @CsvSource({
        "OFF, OFF, OFF",
        "OFF, REDACT, REDACT",
        "REDACT, OFF, REDACT",
        "REDACT, BLOCK, BLOCK",
        "BLOCK, REDACT, BLOCK",
        "BLOCK, OFF, BLOCK",
        "OFF, BLOCK, BLOCK",
        "REDACT, REDACT, REDACT"
    })
    void strictest_takesTheStricterPiiMode(Mode tenant, Mode route, Mode effective) {
        GuardPolicy combined = GuardPolicy.strictest(
                new GuardPolicy(tenant, List.of("tenant-word")), new GuardPolicy(route, List.of("route-word")));

        assertThat(combined.pii()).isEqualTo(effective);
    }

    @Test
    void strictest_unitesTheDenyPatternsAndTheGuardrails_eachOnce() {
        GuardPolicy tenant = GuardPolicy.of(Mode.REDACT, List.of("falcon", "shared"), TENANTS);
        GuardPolicy route = GuardPolicy.of(Mode.OFF, List.of("shared", "osprey"), ROUTES);

        GuardPolicy combined = GuardPolicy.strictest(tenant, route);

        assertThat(combined.deny()).containsExactly("falcon", "shared", "osprey");
        assertThat(combined.bedrockGuardrails()).containsExactly(TENANTS, ROUTES);
        assertThat(GuardPolicy.strictest(tenant, GuardPolicy.of(Mode.OFF, List.of(), TENANTS))
                        .bedrockGuardrails())
                .containsExactly(TENANTS);
    }

    @Test
    void strictest_withOneSideOff_isTheOtherSide() {
        GuardPolicy route = GuardPolicy.of(Mode.BLOCK, List.of("x"), ROUTES);

        assertThat(GuardPolicy.strictest(GuardPolicy.OFF, route)).isSameAs(route);
        assertThat(GuardPolicy.strictest(route, GuardPolicy.OFF)).isSameAs(route);
        assertThat(GuardPolicy.strictest(GuardPolicy.OFF, GuardPolicy.OFF).inspects())
                .isFalse();
    }

    @Test
    void aGuardrailAlone_makesThePolicyInspect() {
        assertThat(GuardPolicy.of(Mode.OFF, List.of(), ROUTES).inspects()).isTrue();
    }

    @Test
    void aCombinedPolicy_isNeverStored() {
        GuardPolicy combined = GuardPolicy.strictest(
                GuardPolicy.of(Mode.OFF, List.of(), TENANTS), GuardPolicy.of(Mode.OFF, List.of(), ROUTES));

        assertThatThrownBy(combined::bedrockGuardrail).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void bedrockGuardrail_checksIdVersionAndRegionWhenMade() {
        assertThat(new BedrockGuardrail("arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123", "12", "us-east-1")
                        .describe())
                .isEqualTo("arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123:12@us-east-1");
        assertThatThrownBy(() -> new BedrockGuardrail("Has Spaces", "1", null)).hasMessageContaining("id 'Has Spaces'");
        assertThatThrownBy(() -> new BedrockGuardrail("abc", "v1", null)).hasMessageContaining("version 'v1'");
        assertThatThrownBy(() -> new BedrockGuardrail("abc", "1", "mars")).hasMessageContaining("region 'mars'");
    }
}
