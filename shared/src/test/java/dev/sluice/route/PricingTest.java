package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PricingTest {

    @ParameterizedTest(name = "{0} in / {1} cached / {2} out at {3}/{4}/{5} per 1M -> {6} micro-USD")
    @CsvSource({
        // prompt, cached, completion, in, out, cached price, expected micro-USD
        "1000000, 0, 0, 150000, 600000, 75000, 150000",
        "0, 0, 1000000, 150000, 600000, 75000, 600000",
        "1000, 0, 500, 150000, 600000, 75000, 450", // 150 + 300
        "1000, 400, 500, 150000, 600000, 75000, 420", // 600*0.15 + 400*0.075 + 500*0.6 = 90 + 30 + 300
        "3, 0, 0, 150000, 0, 0, 0", // 0.45 micro-USD rounds half-up to 0
        "4, 0, 0, 150000, 0, 0, 1", // 0.6 rounds to 1
        "10, 0, 10, 0, 0, 0, 0",
        "500, 900, 0, 1000000, 0, 500000, 250", // cached clamps to prompt: all 500 at the cached price
    })
    void costMicros_roundsHalfUpOnceToWholeMicroUsd(
            long prompt, long cached, long completion, long in, long out, long cachedPrice, long expected) {
        assertThat(new Pricing(in, out, cachedPrice).costMicros(prompt, cached, completion))
                .isEqualTo(expected);
    }
}
