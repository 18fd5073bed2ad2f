package dev.sluice.store;

import dev.sluice.aws.AwsFailures;
import dev.sluice.responsecache.semantic.Cosine;
import dev.sluice.responsecache.semantic.VectorIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The vector index in the response cache table, with no service beyond DynamoDB: random-hyperplane locality-sensitive
 * hashing (LSH). Each vector gets a signature per band, the sign bits of its dot products with that band's
 * {@code bitsPerBand} hyperplanes; each (namespace, band, signature) is one item,
 * {@code cacheKey = "lsh#" + namespace + "#" + band + "#" + signatureHex}, holding the band's candidates: entry id →
 * vector (float32 little-endian, a Binary attribute), expiry and time added. A lookup reads the query's bucket in every
 * band, scores the candidates by exact cosine and keeps the best live one at or above the threshold, so a wrong bucket
 * costs bandwidth, never a wrong answer; LSH only decides which true neighbours are seen at all.
 *
 * <p><b>Recall against latency.</b> Two vectors at angle θ = arccos(s) get the same sign from a random hyperplane with
 * probability 1 − θ/π, so they share at least one of {@code b} bucket items of {@code r} bits with probability
 * 1 − (1 − (1 − θ/π)^r)^b. At the defaults (b = 8, r = 8):
 *
 * <pre>
 * cosine s   share a bucket
 *   0.95        98.8 %
 *   0.90        93.5 %
 *   0.80        75.2 %
 *   0.50        27.3 %
 *   0.00         3.1 %   (unrelated vectors: fetched and discarded by the exact cosine)
 * </pre>
 *
 * More bands raise recall and cost one more item per lookup and one more write per add; more bits per band make
 * buckets more selective (fewer, closer candidates) and lower recall.
 *
 * <p><b>Item sizes</b> (by DynamoDB's size rules). An entry is its vector at 4 bytes a dimension plus under 100
 * bytes (a 64-character id, its expiry and time added): a 1536-dimension embedding takes about 6.2 KB, so some 64
 * would fit in DynamoDB's 400 KB item limit. A bucket holds at most {@link #MAX_ENTRIES_PER_BUCKET} entries: about
 * 200 KB at 1536 dimensions, 35 KB at 256. 3072 dimensions (12.4 KB an entry) fill a bucket to about 396 KB, with no
 * room to spare; larger vectors are refused ({@code add} throws {@link IllegalArgumentException}). Ask the embedding
 * model for 256 to 1024 dimensions (the OpenAI {@code dimensions} parameter): it cuts every cost below in proportion.
 *
 * <p><b>Cost.</b> A lookup is one {@code BatchGetItem} of {@code bands} items (8 at the defaults; a second call only
 * for keys DynamoDB leaves unprocessed), eventually consistent: half a read unit per 4 KB, so up to 25 units a full
 * 1536-dimension bucket and 200 a lookup, 36 a lookup at 256 dimensions. An add is {@code bands} {@code UpdateItem}s,
 * each billed on the larger of the item before and after at one write unit per KB: up to 200 units a bucket and 1600
 * an add at 1536 dimensions, 290 an add at 256. The semantic cache therefore pays off for long, costly answers, and
 * small dimensions matter more than anything else here.
 *
 * <p><b>Writes.</b> An add sets its entry's key in the bucket's map with one {@code UpdateItem} conditioned on the
 * bucket having room and not expiring later than the new entry (the common case: entries of a namespace share one
 * TTL). When the condition fails, DynamoDB returns the bucket as it was, and the index rewrites it: expired entries
 * dropped, the oldest evicted to make room, {@code expiresAt} the latest expiry left, conditioned on a version number
 * so a concurrent add is never lost silently; a few attempts resolve races. A bucket still contended after that
 * keeps its entries without the new one: a cache write is best effort, and the entry stays findable through the
 * other bands. Replacing an id with a different vector leaves the old vector in buckets the new one does not share
 * until it expires or is evicted; a lookup prefers the most recently added copy of an id among those it reads.
 *
 * <p>Hyperplanes come from the seed and the vector's dimension count alone, so every instance, before and after a
 * restart, hashes a vector into the same buckets. Changing the seed, bands or bits per band starts a new, empty index
 * (old buckets expire by TTL).
 */
public final class DynamoDbVectorIndex implements VectorIndex {
    public static final int DEFAULT_BANDS = 8;
    public static final int DEFAULT_BITS_PER_BAND = 8;
    /** The default seed; any fixed value works, as long as every instance of a deployment uses the same. */
    public static final long DEFAULT_SEED = 0x51CE_5EEDL;
    /** The most entries one bucket item holds; see the class comment for the item sizes this allows. */
    public static final int MAX_ENTRIES_PER_BUCKET = 32;
    /** Below DynamoDB's 400 KB item limit with room for the key and the map's own overhead. */
    static final int MAX_ENTRY_BYTES = 390 * 1024 / MAX_ENTRIES_PER_BUCKET;
    /** An entry's bytes besides its vector and id: the names and numbers of its expiry and time added, map framing. */
    private static final int ENTRY_OVERHEAD_BYTES = 32;

    static final String ENTRIES = "e";
    static final String VERSION = "ver";
    private static final String VECTOR = "v";
    private static final String EXPIRES_MILLIS = "x";
    private static final String ADDED_MILLIS = "t";
    private static final String KEY_PREFIX = "lsh#";
    private static final int MAX_WRITE_ATTEMPTS = 5;
    private static final int MAX_READ_ATTEMPTS = 3;
    /** BatchGetItem reads at most 100 keys; one lookup is one call. */
    private static final int MAX_BANDS = 100;

    private final DynamoDbClient dynamo;
    private final String table;
    private final int bands;
    private final int bitsPerBand;
    private final long seed;
    private final LongSupplier epochMillis;
    private final Map<Integer, float[][]> hyperplanesByDimensions = new ConcurrentHashMap<>();

    /** An index with the default bands, bits per band and seed, on the system clock. */
    public DynamoDbVectorIndex(DynamoDbClient dynamo, String cacheTable) {
        this(dynamo, cacheTable, DEFAULT_BANDS, DEFAULT_BITS_PER_BAND, DEFAULT_SEED, System::currentTimeMillis);
    }

    /**
     * @param bands       bucket items per vector: read per lookup, written per add (1 to 100)
     * @param bitsPerBand hyperplanes per band, the bits of a bucket's signature (1 to 32)
     * @param seed        where the hyperplanes come from; the same for every instance of a deployment
     * @param epochMillis the clock that decides when entries expire
     */
    public DynamoDbVectorIndex(
            DynamoDbClient dynamo, String cacheTable, int bands, int bitsPerBand, long seed, LongSupplier epochMillis) {
        if (bands < 1 || bands > MAX_BANDS) {
            throw new IllegalArgumentException("bands must be 1 to " + MAX_BANDS + ": " + bands);
        }
        if (bitsPerBand < 1 || bitsPerBand > 32) {
            throw new IllegalArgumentException("bitsPerBand must be 1 to 32: " + bitsPerBand);
        }
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(cacheTable, "cacheTable");
        this.bands = bands;
        this.bitsPerBand = bitsPerBand;
        this.seed = seed;
        this.epochMillis = Objects.requireNonNull(epochMillis, "epochMillis");
    }

    @Override
    public void add(String namespace, String entryId, float[] vector, Duration ttl) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(entryId, "entryId");
        byte[] encoded = encode(vector);
        if (encoded.length + entryId.getBytes(StandardCharsets.UTF_8).length + ENTRY_OVERHEAD_BYTES > MAX_ENTRY_BYTES) {
            throw new IllegalArgumentException("A " + vector.length + "-dimension vector is too large for a bucket of "
                    + MAX_ENTRIES_PER_BUCKET + " entries; ask the embedding model for fewer dimensions");
        }
        long now = epochMillis.getAsLong();
        long expiresAtMillis = now + ttl.toMillis();
        AttributeValue entry = AttributeValue.fromM(Map.of(
                VECTOR, AttributeValue.fromB(SdkBytes.fromByteArray(encoded)),
                EXPIRES_MILLIS, Attributes.n(expiresAtMillis),
                ADDED_MILLIS, Attributes.n(now)));
        try {
            for (String bucket : buckets(namespace, vector)) {
                addToBucket(bucket, entryId, entry, now);
            }
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public Optional<Neighbour> nearest(String namespace, float[] vector, double minSimilarity) {
        Map<String, KeysAndAttributes> request = Map.of(
                table,
                KeysAndAttributes.builder()
                        .keys(buckets(namespace, vector).stream()
                                .map(DynamoDbVectorIndex::key)
                                .toList())
                        .build());
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        try {
            for (int attempt = 0; attempt < MAX_READ_ATTEMPTS && !request.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> keys = request;
                BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(keys));
                items.addAll(response.responses().getOrDefault(table, List.of()));
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
        // Buckets left unread after the retries only lower recall, like a band whose bucket missed.
        return best(items, vector, minSimilarity, epochMillis.getAsLong());
    }

    private static Optional<Neighbour> best(
            List<Map<String, AttributeValue>> items, float[] query, double minSimilarity, long now) {
        Map<String, Map<String, AttributeValue>> newestById = new HashMap<>();
        for (Map<String, AttributeValue> item : items) {
            AttributeValue entries = item.get(ENTRIES);
            if (entries == null || !entries.hasM()) {
                continue;
            }
            entries.m().forEach((id, value) -> newestById.merge(id, value.m(), (a, b) -> added(b) > added(a) ? b : a));
        }
        String bestId = null;
        double best = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Map<String, AttributeValue>> candidate : newestById.entrySet()) {
            Map<String, AttributeValue> entry = candidate.getValue();
            if (Attributes.number(entry, EXPIRES_MILLIS, 0) <= now) {
                continue;
            }
            double similarity =
                    Cosine.similarity(query, decode(entry.get(VECTOR).b()));
            if (similarity >= minSimilarity && similarity > best) {
                best = similarity;
                bestId = candidate.getKey();
            }
        }
        return bestId == null ? Optional.empty() : Optional.of(new Neighbour(bestId, best));
    }

    private void addToBucket(String bucket, String entryId, AttributeValue entry, long now) {
        long expiresAtSeconds = expirySeconds(Attributes.number(entry.m(), EXPIRES_MILLIS, now));
        Map<String, AttributeValue> seen = null;
        for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
            try {
                if (attempt == 0) {
                    setEntry(bucket, entryId, entry, expiresAtSeconds);
                } else {
                    rewrite(bucket, seen, entryId, entry, now);
                }
                return;
            } catch (ConditionalCheckFailedException failed) {
                seen = failed.hasItem() && !failed.item().isEmpty() ? failed.item() : null;
            }
        }
    }

    /** The common case: one map key set, when the bucket exists, has room and would not expire sooner for it. */
    private void setEntry(String bucket, String entryId, AttributeValue entry, long expiresAtSeconds) {
        dynamo.updateItem(r -> r.tableName(table)
                .key(key(bucket))
                .updateExpression("SET #e.#id = :entry, #exp = :exp ADD #ver :one")
                .conditionExpression("(size(#e) < :cap OR attribute_exists(#e.#id)) AND #exp <= :exp")
                .expressionAttributeNames(
                        Map.of("#e", ENTRIES, "#id", entryId, "#exp", SluiceTables.EXPIRES_AT, "#ver", VERSION))
                .expressionAttributeValues(Map.of(
                        ":entry", entry,
                        ":exp", Attributes.n(expiresAtSeconds),
                        ":one", Attributes.n(1),
                        ":cap", Attributes.n(MAX_ENTRIES_PER_BUCKET)))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
    }

    /** The bucket as {@code seen}, minus expired entries, plus this one, within the cap; if nobody wrote since. */
    private void rewrite(
            String bucket, Map<String, AttributeValue> seen, String entryId, AttributeValue entry, long now) {
        Map<String, Map<String, AttributeValue>> entries = new HashMap<>();
        if (seen != null && seen.containsKey(ENTRIES)) {
            seen.get(ENTRIES).m().forEach((id, value) -> entries.put(id, value.m()));
        }
        entries.values().removeIf(existing -> Attributes.number(existing, EXPIRES_MILLIS, 0) <= now);
        entries.put(entryId, entry.m());
        List<String> oldestFirst = entries.keySet().stream()
                .sorted(Comparator.comparingLong((String id) -> added(entries.get(id)))
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        for (int i = 0; entries.size() > MAX_ENTRIES_PER_BUCKET; i++) {
            if (!oldestFirst.get(i).equals(entryId)) {
                entries.remove(oldestFirst.get(i));
            }
        }
        long latestExpiry = entries.values().stream()
                .mapToLong(value -> Attributes.number(value, EXPIRES_MILLIS, now))
                .max()
                .orElse(now);
        Map<String, AttributeValue> item = new HashMap<>(key(bucket));
        Map<String, AttributeValue> map = new HashMap<>();
        entries.forEach((id, value) -> map.put(id, AttributeValue.fromM(value)));
        item.put(ENTRIES, AttributeValue.fromM(map));
        item.put(SluiceTables.EXPIRES_AT, Attributes.n(expirySeconds(latestExpiry)));
        long version = seen == null ? 0 : Attributes.number(seen, VERSION, 0);
        item.put(VERSION, Attributes.n(version + 1));
        if (seen == null) {
            dynamo.putItem(r -> r.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#k)")
                    .expressionAttributeNames(Map.of("#k", SluiceTables.CACHE_KEY))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
        } else {
            dynamo.putItem(r -> r.tableName(table)
                    .item(item)
                    .conditionExpression("#ver = :ver")
                    .expressionAttributeNames(Map.of("#ver", VERSION))
                    .expressionAttributeValues(Map.of(":ver", Attributes.n(version)))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
        }
    }

    /**
     * The bucket keys of {@code vector}, one per band. The namespace may contain {@code #}: the band and the hex
     * signature after it never do, so no two (namespace, band, signature) triples share a key.
     */
    List<String> buckets(String namespace, float[] vector) {
        float[][] hyperplanes = hyperplanes(vector.length);
        List<String> keys = new ArrayList<>(bands);
        for (int band = 0; band < bands; band++) {
            long signature = 0;
            for (int bit = 0; bit < bitsPerBand; bit++) {
                float[] plane = hyperplanes[band * bitsPerBand + bit];
                double dot = 0;
                for (int i = 0; i < vector.length; i++) {
                    dot += (double) plane[i] * vector[i];
                }
                signature = (signature << 1) | (dot >= 0 ? 1 : 0);
            }
            keys.add(KEY_PREFIX + namespace + "#" + band + "#" + Long.toHexString(signature));
        }
        return keys;
    }

    private float[][] hyperplanes(int dimensions) {
        if (dimensions < 1) {
            throw new IllegalArgumentException("A vector needs at least one dimension");
        }
        return hyperplanesByDimensions.computeIfAbsent(dimensions, this::generateHyperplanes);
    }

    /**
     * Normals with independent Gaussian components point in uniformly random directions, which the recall formula
     * assumes. The Box–Muller transform is written out over {@link SplittableRandom#nextDouble()}, whose sequence is
     * specified, rather than taken from {@code nextGaussian()}, whose algorithm a JDK may change: the buckets written
     * under one JDK must be found under the next.
     */
    private float[][] generateHyperplanes(int dimensions) {
        SplittableRandom random = new SplittableRandom(seed ^ dimensions);
        float[][] planes = new float[bands * bitsPerBand][dimensions];
        for (float[] plane : planes) {
            for (int i = 0; i < dimensions; i++) {
                double u = 1.0 - random.nextDouble(); // (0, 1]: the logarithm stays finite
                double v = random.nextDouble();
                plane[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
            }
        }
        return planes;
    }

    private static Map<String, AttributeValue> key(String bucket) {
        return Map.of(SluiceTables.CACHE_KEY, Attributes.s(bucket));
    }

    private static long added(Map<String, AttributeValue> entry) {
        return Attributes.number(entry, ADDED_MILLIS, 0);
    }

    private static long expirySeconds(long epochMillis) {
        return Math.floorDiv(epochMillis + 999, 1000);
    }

    static byte[] encode(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float component : vector) {
            buffer.putFloat(component);
        }
        return buffer.array();
    }

    static float[] decode(SdkBytes bytes) {
        ByteBuffer buffer = bytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] vector = new float[buffer.remaining() / Float.BYTES];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = buffer.getFloat();
        }
        return vector;
    }
}
