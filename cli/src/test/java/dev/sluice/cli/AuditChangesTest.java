package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one-line change of {@code gatewayctl audit}'s table. */
class AuditChangesTest {
    @Test
    void aCreationAndARemoval_sayNewAndRemoved() {
        assertThat(AuditChanges.describe(null, "{\"a\":1}")).isEqualTo("new");
        assertThat(AuditChanges.describe("{\"a\":1}", null)).isEqualTo("removed");
    }

    @Test
    void aChange_listsEachChangedField_nestedObjectsByPath_listsWhole() {
        String before = "{\"status\":\"ACTIVE\",\"limits\":{\"rpm\":60,\"tpm\":0},\"models\":[\"a\"],\"name\":\"x\"}";
        String after =
                "{\"status\":\"ACTIVE\",\"limits\":{\"rpm\":120,\"tpm\":0},\"models\":[\"a\",\"b\"],\"name\":null}";

        assertThat(AuditChanges.describe(before, after))
                .isEqualTo("limits.rpm: 60 → 120; models: [\"a\"] → [\"a\",\"b\"]; name: x → -");
    }

    @Test
    void sameBeforeAndAfter_isNoChange_andLongValuesAreShortened() {
        assertThat(AuditChanges.describe("{\"a\":1}", "{\"a\":1}")).isEqualTo("no change");
        String longValue = "y".repeat(100);

        assertThat(AuditChanges.describe("{\"a\":\"x\"}", "{\"a\":\"" + longValue + "\"}"))
                .isEqualTo("a: x → " + "y".repeat(47) + "…");
    }
}
