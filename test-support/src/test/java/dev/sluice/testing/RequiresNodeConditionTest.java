package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RequiresNodeCondition.Decision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequiresNodeConditionTest {

    @ParameterizedTest(name = "CI={0}, node available={1} -> {2}")
    @CsvSource({"false, true,  RUN", "true,  true,  RUN", "false, false, SKIP", "true,  false, FAIL"})
    void decide_skipsOnlyOutsideCi(boolean ci, boolean nodeAvailable, Decision expected) {
        assertThat(RequiresNodeCondition.decide(ci, nodeAvailable)).isEqualTo(expected);
    }
}
