package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyLimits;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestAdmitterTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:15Z"));
    private final RequestAdmitter admitter = new RequestAdmitter(new InMemoryQuotaLedger(), clock);

    private static ApiKey keyWithRpm(long rpm) {
        return new ApiKey("key_1", "t1", "k", ApiKey.Status.ACTIVE, Set.of(), new KeyLimits(rpm), null);
    }

    @Test
    void admit_whenLimitReached_deniesWithRetryAfterUntilTheWindowEnds() {
        ApiKey key = keyWithRpm(2);

        assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
        assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
        Admission third = admitter.admit(key);

        assertThat(third)
                .isInstanceOfSatisfying(
                        Admission.Denied.class,
                        denied -> assertThat(denied.retryAfterSeconds()).isEqualTo(45));
    }

    @Test
    void admit_inTheNextMinute_startsAFreshWindow() {
        ApiKey key = keyWithRpm(1);
        admitter.admit(key);
        assertThat(admitter.admit(key)).isInstanceOf(Admission.Denied.class);

        clock.advance(Duration.ofSeconds(45));

        assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
    }

    @Test
    void admit_withoutLimit_alwaysAllows() {
        ApiKey key = keyWithRpm(0);
        for (int i = 0; i < 1000; i++) {
            assertThat(admitter.admit(key)).isInstanceOf(Admission.Allowed.class);
        }
    }
}
