package dev.sluice.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingSecretStoreTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final Map<String, String> values = new ConcurrentHashMap<>(Map.of("openai", "sk-upstream"));
    private final AtomicInteger calls = new AtomicInteger();
    private final SecretStore counting = reference -> {
        calls.incrementAndGet();
        String value = values.get(reference);
        if (value == null) {
            throw new SecretNotFoundException(reference);
        }
        return value;
    };
    private final CachingSecretStore store = new CachingSecretStore(counting, Duration.ofMinutes(5), clock);

    @Test
    void get_withinTtl_callsTheStoreOnce_andRotationShowsAfterIt() {
        assertThat(store.get("openai")).isEqualTo("sk-upstream");
        values.put("openai", "sk-rotated");
        assertThat(store.get("openai")).isEqualTo("sk-upstream");

        clock.advance(Duration.ofMinutes(5));

        assertThat(store.get("openai")).isEqualTo("sk-rotated");
        assertThat(calls).hasValue(2);
    }

    @Test
    void get_missingSecret_isRememberedBriefly() {
        assertThatThrownBy(() -> store.get("anthropic")).isInstanceOf(SecretNotFoundException.class);
        values.put("anthropic", "sk-ant");
        assertThatThrownBy(() -> store.get("anthropic")).isInstanceOf(SecretNotFoundException.class);
        assertThat(calls).hasValue(1);

        clock.advance(CachingSecretStore.MISS_TTL);

        assertThat(store.get("anthropic")).isEqualTo("sk-ant");
    }
}
