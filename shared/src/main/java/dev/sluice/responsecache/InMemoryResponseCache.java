package dev.sluice.responsecache;

import dev.sluice.cache.LruMap;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Answers in this process's memory, at most {@link #CAPACITY} (least recently used dropped): for tests, and for a
 * gateway run without the cache table. Answers are kept encoded, as in the table, so both behave alike.
 */
public final class InMemoryResponseCache implements ResponseCache {
    public static final int CAPACITY = 10_000;

    private record Entry(AnswerCodec.Encoded encoded, long expiresAtMillis) {}

    private final LruMap<String, Entry> entries = new LruMap<>(CAPACITY);
    private final LongSupplier epochMillis;

    public InMemoryResponseCache(LongSupplier epochMillis) {
        this.epochMillis = epochMillis;
    }

    public InMemoryResponseCache() {
        this(System::currentTimeMillis);
    }

    @Override
    public Optional<CachedAnswer> get(String key) {
        Entry entry = entries.get(key);
        if (entry == null || entry.expiresAtMillis() <= epochMillis.getAsLong()) {
            return Optional.empty();
        }
        return Optional.of(
                AnswerCodec.decode(entry.encoded().bytes(), entry.encoded().compressed()));
    }

    @Override
    public void put(String key, CachedAnswer answer, Duration ttl) {
        AnswerCodec.Encoded encoded = AnswerCodec.encode(answer);
        if (encoded != null) {
            entries.put(key, new Entry(encoded, epochMillis.getAsLong() + ttl.toMillis()));
        }
    }
}
