package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.responsecache.semantic.Cosine;
import dev.sluice.responsecache.semantic.VectorIndex.Neighbour;
import dev.sluice.testing.LocalDynamoDb;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The LSH index against DynamoDB Local: map updates, conditions, batch reads and expiry as the real engine has them. */
class DynamoDbVectorIndexIT {
    private static final DynamoDbClient DYNAMO = LocalDynamoDb.shared().newClient();
    private static final TableNames TABLES = tables();
    private static final Duration TTL = Duration.ofHours(1);
    private static final int DIMENSIONS = 256;

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final DynamoDbVectorIndex index = newIndex();
    private final SplittableRandom random = new SplittableRandom(42);

    private static TableNames tables() {
        TableNames names = TableNames.withPrefix(LocalDynamoDb.uniqueName("lsh") + "-");
        SluiceTables.createAll(DYNAMO, names);
        return names;
    }

    private DynamoDbVectorIndex newIndex() {
        return new DynamoDbVectorIndex(
                DYNAMO,
                TABLES.cache(),
                DynamoDbVectorIndex.DEFAULT_BANDS,
                DynamoDbVectorIndex.DEFAULT_BITS_PER_BAND,
                DynamoDbVectorIndex.DEFAULT_SEED,
                now::get);
    }

    @Test
    void nearest_theVectorAdded_isFoundWithSimilarityOne() {
        float[] vector = randomUnit();
        index.add("round-trip", "entry-1", vector, TTL);

        Neighbour found = index.nearest("round-trip", vector, 0.99).orElseThrow();

        assertThat(found.entryId()).isEqualTo("entry-1");
        assertThat(found.similarity()).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void nearest_aNearDuplicate_isFound() {
        float[] stored = randomUnit();
        float[] query = withNoise(stored, 0.01);
        assertThat(Cosine.similarity(stored, query)).isGreaterThanOrEqualTo(0.98);
        index.add("near", "stored", stored, TTL);

        assertThat(index.nearest("near", query, 0.95)).map(Neighbour::entryId).contains("stored");
    }

    @Test
    void nearest_anUnrelatedVector_findsNothing() {
        index.add("unrelated", "stored", randomUnit(), TTL);

        assertThat(index.nearest("unrelated", randomUnit(), 0.5)).isEmpty();
    }

    @Test
    void nearest_neverFindsAnotherNamespacesEntry_evenForTheIdenticalVector() {
        float[] vector = randomUnit();
        index.add("tenant-b#alias#h1", "b-answer", vector, TTL);

        assertThat(index.nearest("tenant-a#alias#h1", vector, -1)).isEmpty();
        assertThat(index.nearest("tenant-b#alias#h1", vector, 0.99))
                .map(Neighbour::entryId)
                .contains("b-answer");
    }

    @Test
    void nearest_afterAnInstanceRestarts_findsWhatTheOldOneAdded() {
        float[] vector = randomUnit();
        index.add("restart", "before", vector, TTL);

        assertThat(newIndex().nearest("restart", withNoise(vector, 0.01), 0.95))
                .map(Neighbour::entryId)
                .contains("before");
    }

    @Test
    void nearest_anExpiredEntry_isIgnored() {
        float[] vector = randomUnit();
        index.add("expiry", "short", vector, Duration.ofMinutes(5));

        now.addAndGet(Duration.ofMinutes(5).toMillis() - 1);
        assertThat(index.nearest("expiry", vector, 0.99)).isPresent();
        now.addAndGet(1);
        assertThat(index.nearest("expiry", vector, 0.99)).isEmpty();
    }

    @Test
    void add_sameId_replacesTheEntryInItsBuckets() {
        float[] vector = randomUnit();
        index.add("replace", "entry", vector, Duration.ofMinutes(5));
        now.addAndGet(Duration.ofMinutes(10).toMillis());

        index.add("replace", "entry", vector, Duration.ofMinutes(5));

        assertThat(index.nearest("replace", vector, 0.99))
                .map(Neighbour::entryId)
                .contains("entry");
        assertThat(bucketEntries(index.buckets("replace", vector).get(0))).containsOnlyKeys("entry");
    }

    @Test
    void add_toAFullBucket_evictsTheOldestAndKeepsTheCap() {
        float[] vector = randomUnit();
        int added = DynamoDbVectorIndex.MAX_ENTRIES_PER_BUCKET + 8;
        for (int i = 0; i < added; i++) {
            now.incrementAndGet(); // distinct times added, so "oldest" is well defined
            index.add("full", "entry-" + i, vector, TTL);
        }

        for (String bucket : index.buckets("full", vector)) {
            Map<String, AttributeValue> entries = bucketEntries(bucket);
            assertThat(entries).hasSize(DynamoDbVectorIndex.MAX_ENTRIES_PER_BUCKET);
            assertThat(entries).doesNotContainKeys("entry-0", "entry-7").containsKeys("entry-8", "entry-39");
        }
        assertThat(index.nearest("full", vector, 0.99)).isPresent();
    }

    @Test
    void add_toAFullBucket_dropsExpiredEntriesBeforeTheOldestLive() {
        float[] vector = randomUnit();
        index.add("expired-first", "short-lived", vector, Duration.ofMinutes(1));
        for (int i = 1; i < DynamoDbVectorIndex.MAX_ENTRIES_PER_BUCKET; i++) {
            now.incrementAndGet();
            index.add("expired-first", "entry-" + i, vector, TTL);
        }
        now.addAndGet(Duration.ofMinutes(2).toMillis());

        index.add("expired-first", "newest", vector, TTL);

        Map<String, AttributeValue> entries =
                bucketEntries(index.buckets("expired-first", vector).get(0));
        assertThat(entries)
                .hasSize(DynamoDbVectorIndex.MAX_ENTRIES_PER_BUCKET)
                .doesNotContainKey("short-lived")
                .containsKeys("entry-1", "newest");
    }

    @Test
    void add_refreshesTheBucketExpiryToTheLatestEntry() {
        float[] vector = randomUnit();
        index.add("bucket-ttl", "first", vector, Duration.ofMinutes(5));
        now.addAndGet(Duration.ofMinutes(1).toMillis());
        index.add("bucket-ttl", "second", vector, Duration.ofMinutes(5));

        String bucket = index.buckets("bucket-ttl", vector).get(0);
        assertThat(Attributes.number(item(bucket), SluiceTables.EXPIRES_AT, 0))
                .isEqualTo((now.get() + Duration.ofMinutes(5).toMillis()) / 1000);
    }

    @Test
    void add_aFullBucketOf3072DimensionVectors_staysUnderTheItemLimit() {
        float[] vector = new float[3072];
        Arrays.fill(vector, 1);
        for (int i = 0; i <= DynamoDbVectorIndex.MAX_ENTRIES_PER_BUCKET; i++) {
            now.incrementAndGet();
            index.add("largest", "%064d".formatted(i), vector, TTL); // ids as long as a SHA-256 in hex
        }

        assertThat(bucketEntries(index.buckets("largest", vector).get(0)))
                .hasSize(DynamoDbVectorIndex.MAX_ENTRIES_PER_BUCKET);
    }

    @Test
    void add_aVectorTooLargeForAFullBucket_isRefused() {
        assertThatThrownBy(() -> index.add("large", "entry", new float[4096], TTL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fewer dimensions");
        assertThat(index.nearest("large", new float[4096], -1)).isEmpty();
    }

    /**
     * 200 random pairs at each cosine, measured against the formula of the class comment. The pairs are random, so the
     * rate scatters around the prediction; the margin is four standard deviations of a binomial rate at 200 pairs.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.95, 0.8})
    void recall_ofPairsAtACosine_isAtLeastWhatTheLshFormulaPredicts(double similarity) {
        int pairs = 200;
        int found = 0;
        for (int i = 0; i < pairs; i++) {
            float[] stored = randomUnit();
            float[] query = atCosine(stored, similarity);
            String namespace = "recall-" + similarity + "-" + i;
            index.add(namespace, "pair-" + i, stored, TTL);
            if (index.nearest(namespace, query, similarity - 0.01).isPresent()) {
                found++;
            }
        }
        double measured = (double) found / pairs;
        double predicted = predictedRecall(similarity, 8, 8);
        double margin = 4 * Math.sqrt(predicted * (1 - predicted) / pairs);
        System.out.printf(
                "DynamoDbVectorIndex recall at cosine %.2f: %d of %d pairs found (%.1f %%), formula %.1f %%%n",
                similarity, found, pairs, 100 * measured, 100 * predicted);

        assertThat(measured).isGreaterThanOrEqualTo(predicted - margin);
    }

    static double predictedRecall(double similarity, int bands, int bitsPerBand) {
        double sameSign = 1 - Math.acos(similarity) / Math.PI;
        return 1 - Math.pow(1 - Math.pow(sameSign, bitsPerBand), bands);
    }

    private Map<String, AttributeValue> bucketEntries(String bucket) {
        return item(bucket).get(DynamoDbVectorIndex.ENTRIES).m();
    }

    private static Map<String, AttributeValue> item(String bucket) {
        return DYNAMO.getItem(r -> r.tableName(TABLES.cache())
                        .key(Map.of(SluiceTables.CACHE_KEY, Attributes.s(bucket)))
                        .consistentRead(true))
                .item();
    }

    private float[] randomUnit() {
        float[] vector = new float[DIMENSIONS];
        for (int i = 0; i < DIMENSIONS; i++) {
            vector[i] = (float) gaussian();
        }
        return normalised(vector);
    }

    private float[] withNoise(float[] vector, double scale) {
        float[] noisy = vector.clone();
        for (int i = 0; i < noisy.length; i++) {
            noisy[i] += (float) (gaussian() * scale);
        }
        return normalised(noisy);
    }

    /** A unit vector at exactly {@code similarity} to unit {@code vector}: its part plus a random orthogonal part. */
    private float[] atCosine(float[] vector, double similarity) {
        float[] other = randomUnit();
        double along = Cosine.similarity(vector, other);
        float[] orthogonal = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            orthogonal[i] = (float) (other[i] - along * vector[i]);
        }
        orthogonal = normalised(orthogonal);
        double across = Math.sqrt(1 - similarity * similarity);
        float[] result = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            result[i] = (float) (similarity * vector[i] + across * orthogonal[i]);
        }
        return result;
    }

    private double gaussian() {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static float[] normalised(float[] vector) {
        double norm = 0;
        for (float component : vector) {
            norm += component * component;
        }
        float[] unit = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            unit[i] = (float) (vector[i] / Math.sqrt(norm));
        }
        return unit;
    }
}
