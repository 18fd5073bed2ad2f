package dev.sluice.responsecache.semantic;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The vector index in instance memory: an exact cosine scan over a namespace's entries, for dev mode and tests.
 *
 * <p>Each namespace holds at most {@link #MAX_ENTRIES_PER_NAMESPACE} entries; adding one more evicts the entry
 * added (or last replaced) longest ago, so a busy tenant costs bounded memory and a lookup scans a bounded list.
 * Expired entries are skipped by lookups and dropped when their namespace is next written.
 *
 * <p>Thread-safe: one lock per index, held for a lookup's linear scan. Dev mode and tests see little concurrency, so
 * finer locking would buy nothing here.
 */
public final class InMemoryVectorIndex implements VectorIndex {
    public static final int MAX_ENTRIES_PER_NAMESPACE = 10_000;

    private final LongSupplier epochMillis;
    private final int maxEntriesPerNamespace;
    private final Map<String, LinkedHashMap<String, Entry>> namespaces = new HashMap<>();

    /** An index on the system clock. */
    public InMemoryVectorIndex() {
        this(System::currentTimeMillis);
    }

    /** @param epochMillis the clock that decides when entries expire */
    public InMemoryVectorIndex(LongSupplier epochMillis) {
        this(epochMillis, MAX_ENTRIES_PER_NAMESPACE);
    }

    InMemoryVectorIndex(LongSupplier epochMillis, int maxEntriesPerNamespace) {
        if (maxEntriesPerNamespace < 1) {
            throw new IllegalArgumentException("maxEntriesPerNamespace must be at least 1");
        }
        this.epochMillis = Objects.requireNonNull(epochMillis, "epochMillis");
        this.maxEntriesPerNamespace = maxEntriesPerNamespace;
    }

    @Override
    public void add(String namespace, String entryId, float[] vector, Duration ttl) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(entryId, "entryId");
        long now = epochMillis.getAsLong();
        Entry entry = new Entry(vector.clone(), now + ttl.toMillis());
        synchronized (namespaces) {
            LinkedHashMap<String, Entry> entries = namespaces.computeIfAbsent(namespace, n -> new LinkedHashMap<>());
            entries.values().removeIf(existing -> existing.expiresAtMillis() <= now);
            // Removing first moves a replaced entry to the young end, so eviction follows the latest write.
            entries.remove(entryId);
            entries.put(entryId, entry);
            var oldestFirst = entries.keySet().iterator();
            while (entries.size() > maxEntriesPerNamespace) {
                oldestFirst.next();
                oldestFirst.remove();
            }
        }
    }

    @Override
    public Optional<Neighbour> nearest(String namespace, float[] vector, double minSimilarity) {
        long now = epochMillis.getAsLong();
        synchronized (namespaces) {
            Map<String, Entry> entries = namespaces.get(namespace);
            if (entries == null) {
                return Optional.empty();
            }
            String bestId = null;
            double best = Double.NEGATIVE_INFINITY;
            for (Map.Entry<String, Entry> candidate : entries.entrySet()) {
                if (candidate.getValue().expiresAtMillis() <= now) {
                    continue;
                }
                double similarity =
                        Cosine.similarity(vector, candidate.getValue().vector());
                if (similarity >= minSimilarity && similarity > best) {
                    best = similarity;
                    bestId = candidate.getKey();
                }
            }
            return bestId == null ? Optional.empty() : Optional.of(new Neighbour(bestId, best));
        }
    }

    private record Entry(float[] vector, long expiresAtMillis) {}
}
