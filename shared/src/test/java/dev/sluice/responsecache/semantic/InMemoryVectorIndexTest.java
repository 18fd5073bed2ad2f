package dev.sluice.responsecache.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.responsecache.semantic.VectorIndex.Neighbour;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryVectorIndexTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final InMemoryVectorIndex index = new InMemoryVectorIndex(now::get);

    @Test
    void nearest_findsTheMostSimilarEntryAtOrAboveTheThreshold() {
        index.add("ns", "east", new float[] {1, 0}, TTL);
        index.add("ns", "north-east", new float[] {1, 1}, TTL);

        Neighbour found = index.nearest("ns", new float[] {1, 0.2f}, 0.9).orElseThrow();

        assertThat(found.entryId()).isEqualTo("east");
        assertThat(found.similarity()).isCloseTo(1 / Math.sqrt(1.04), within(1e-6));
    }

    @Test
    void nearest_belowTheThreshold_findsNothing() {
        index.add("ns", "east", new float[] {1, 0}, TTL);

        assertThat(index.nearest("ns", new float[] {1, 1}, 0.75)).isEmpty(); // cosine 0.707
        assertThat(index.nearest("ns", new float[] {1, 1}, 0.7))
                .map(Neighbour::entryId)
                .contains("east");
    }

    @Test
    void nearest_identicalVector_hasSimilarityOneAndMatchesThresholdOne() {
        float[] vector = {0.3f, -0.2f, 0.9f};
        index.add("ns", "same", vector, TTL);

        assertThat(index.nearest("ns", vector.clone(), 1.0))
                .map(Neighbour::similarity)
                .contains(1.0);
    }

    @Test
    void nearest_neverCrossesNamespaces() {
        index.add("tenant-a", "a-answer", new float[] {1, 0}, TTL);

        assertThat(index.nearest("tenant-b", new float[] {1, 0}, 0.0)).isEmpty();
        assertThat(index.nearest("tenant-a", new float[] {1, 0}, 0.0)).isPresent();
    }

    @Test
    void nearest_afterTheTtl_ignoresTheEntry() {
        index.add("ns", "short", new float[] {1, 0}, Duration.ofSeconds(30));

        now.addAndGet(29_999);
        assertThat(index.nearest("ns", new float[] {1, 0}, 0.9)).isPresent();
        now.addAndGet(1);
        assertThat(index.nearest("ns", new float[] {1, 0}, 0.9)).isEmpty();
    }

    @Test
    void add_sameId_replacesTheVector() {
        index.add("ns", "entry", new float[] {1, 0}, TTL);
        index.add("ns", "entry", new float[] {0, 1}, TTL);

        assertThat(index.nearest("ns", new float[] {1, 0}, 0.5)).isEmpty();
        assertThat(index.nearest("ns", new float[] {0, 1}, 0.5))
                .map(Neighbour::entryId)
                .contains("entry");
    }

    @Test
    void add_pastTheBound_evictsTheOldestWrite() {
        InMemoryVectorIndex small = new InMemoryVectorIndex(now::get, 3);
        small.add("ns", "first", new float[] {1, 0, 0, 0}, TTL);
        small.add("ns", "second", new float[] {0, 1, 0, 0}, TTL);
        small.add("ns", "third", new float[] {0, 0, 1, 0}, TTL);
        small.add("ns", "first", new float[] {1, 0, 0, 0}, TTL); // a rewrite makes "first" the youngest

        small.add("ns", "fourth", new float[] {0, 0, 0, 1}, TTL);

        assertThat(small.nearest("ns", new float[] {0, 1, 0, 0}, 0.9)).isEmpty();
        assertThat(small.nearest("ns", new float[] {1, 0, 0, 0}, 0.9)).isPresent();
        assertThat(small.nearest("ns", new float[] {0, 0, 1, 0}, 0.9)).isPresent();
        assertThat(small.nearest("ns", new float[] {0, 0, 0, 1}, 0.9)).isPresent();
    }

    @Test
    void add_theDefaultBound_holdsTenThousandEntriesPerNamespace() {
        for (int i = 0; i <= InMemoryVectorIndex.MAX_ENTRIES_PER_NAMESPACE; i++) {
            index.add("ns", "entry-" + i, new float[] {1, i}, TTL);
        }

        assertThat(index.nearest("ns", new float[] {1, 0}, 1.0))
                .as("entry-0 evicted")
                .isEmpty();
        assertThat(index.nearest("ns", new float[] {1, 1}, 1.0))
                .map(Neighbour::entryId)
                .contains("entry-1");
    }

    @Test
    void nearest_vectorOfAnotherLength_findsNothing() {
        index.add("ns", "two", new float[] {1, 0}, TTL);

        assertThat(index.nearest("ns", new float[] {1, 0, 0}, -1)).isEmpty();
    }
}
