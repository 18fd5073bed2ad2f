package dev.sluice.auth.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.auth.ApiKeys;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionClaimsTest {
    private static final String HASH = ApiKeys.sha256Hex("sk-sluice-test");
    private static final Instant IAT = Instant.parse("2026-12-05T10:00:00Z");

    @Test
    void constructor_copiesCollections_andDefaultsNullsToEmpty() {
        Set<String> models = new HashSet<>(Set.of("m1"));
        Map<String, Long> limits = new HashMap<>(Map.of("rpm", 5L));
        SessionClaims claims =
                new SessionClaims("sess_1", "t", "key_1", HASH, "app", IAT, IAT.plusSeconds(60), models, limits);
        models.add("m2");
        limits.put("tpm", 7L);

        assertThat(claims.models()).containsExactly("m1");
        assertThat(claims.limits()).containsExactlyEntriesOf(Map.of("rpm", 5L));
        assertThat(new SessionClaims("sess_1", "t", "key_1", HASH, "admin", IAT, IAT, null, null).models())
                .isEmpty();
    }

    @Test
    void constructor_missingIdsOrBadValues_areRefused() {
        assertThatThrownBy(() -> new SessionClaims(null, "t", "k", HASH, "app", IAT, IAT, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SessionClaims("s", " ", "k", HASH, "app", IAT, IAT, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SessionClaims("s", "t", null, HASH, "app", IAT, IAT, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SessionClaims("s", "t", "k", "ABC", "app", IAT, IAT, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SessionClaims("s", "t", "k", HASH, "owner", IAT, IAT, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SessionClaims("s", "t", "k", HASH, "app", null, IAT, null, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SessionClaims("s", "t", "k", HASH, "app", IAT, IAT, null, Map.of("rpm", -1L)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
