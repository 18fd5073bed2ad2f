package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.InMemoryKeyRepository;
import dev.sluice.auth.KeyRepository;
import dev.sluice.auth.StoredKey;
import dev.sluice.quota.Limits;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The production-sized key cache (default limits) in front of an in-memory repository that counts its reads. */
class CachedKeyRepositoryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private final CountingKeys table = new CountingKeys();
    private final CachedKeyRepository cached = new CachedKeyRepository(table, Duration.ofSeconds(5), clock);

    @Test
    void findByHash_floodOfRandomUnknownKeys_keepsValidKeysCachedAndReadsEachUnknownKeyOnce() {
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            valid.add(store("tenant-" + i));
        }
        valid.forEach(cached::findByHash);
        table.reads.set(0);

        int flood = 120_000; // more than any bound of the old cache
        for (int i = 0; i < flood; i++) {
            String bogus = ApiKeys.sha256Hex(ApiKeys.newKey());
            assertThat(cached.findByHash(bogus)).isEmpty();
            assertThat(cached.findByHash(bogus)).isEmpty(); // the same bad key again: remembered
        }

        assertThat(table.reads).as("one read per distinct unknown key").hasValue(flood);
        table.reads.set(0);
        valid.forEach(hash -> assertThat(cached.findByHash(hash)).isPresent());
        assertThat(table.reads).as("valid keys were not evicted by the flood").hasValue(0);
    }

    @Test
    void findByHash_unknownKey_isRememberedOnlyBriefly_soANewKeyWorksSoon() {
        String hash = ApiKeys.sha256Hex(ApiKeys.newKey());
        assertThat(cached.findByHash(hash)).isEmpty();

        table.put(hash, key("tenant-new"));
        assertThat(cached.findByHash(hash)).isEmpty();
        clock.advance(CachedKeyRepository.MISS_TTL);

        assertThat(cached.findByHash(hash)).isPresent();
        assertThat(table.reads).hasValue(2);
    }

    @Test
    void put_throughTheCache_isVisibleAtOnce() {
        String hash = ApiKeys.sha256Hex(ApiKeys.newKey());
        assertThat(cached.findByHash(hash)).isEmpty();

        cached.put(hash, key("tenant-new"));

        assertThat(cached.findByHash(hash)).map(ApiKey::tenantId).contains("tenant-new");
    }

    private String store(String tenant) {
        String hash = ApiKeys.sha256Hex(ApiKeys.newKey());
        table.put(hash, key(tenant));
        return hash;
    }

    private static ApiKey key(String tenant) {
        return new ApiKey(
                "key_" + tenant, tenant, "test", ApiKey.Role.APP, ApiKey.Status.ACTIVE, Set.of(), Limits.NONE, null);
    }

    /** The repository port with a read counter: what the cache saves is what this does not count. */
    private static final class CountingKeys implements KeyRepository {
        private final InMemoryKeyRepository keys = new InMemoryKeyRepository();
        private final AtomicInteger reads = new AtomicInteger();

        @Override
        public Optional<ApiKey> findByHash(String keyHash) {
            reads.incrementAndGet();
            return keys.findByHash(keyHash);
        }

        @Override
        public void put(String keyHash, ApiKey key) {
            keys.put(keyHash, key);
        }

        @Override
        public List<StoredKey> findByTenant(String tenantId) {
            return keys.findByTenant(tenantId);
        }

        @Override
        public Optional<StoredKey> findById(String keyId) {
            return keys.findById(keyId);
        }
    }
}
