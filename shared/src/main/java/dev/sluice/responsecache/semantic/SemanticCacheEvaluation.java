package dev.sluice.responsecache.semantic;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How well an embedding model and a similarity threshold serve the semantic cache, on labelled prompt pairs: the
 * share of paraphrases it answers from the cache (the saving) and the share of different questions it answers from
 * the cache anyway (a wrong answer served). Each pair goes through a fresh {@link InMemoryVectorIndex} namespace the
 * way the cache uses it: the first prompt is stored, the second looked up.
 */
public final class SemanticCacheEvaluation {
    private static final Duration TTL = Duration.ofMinutes(1);

    private final Function<String, float[]> embed;
    private final double threshold;

    private SemanticCacheEvaluation(Function<String, float[]> embed, double threshold) {
        this.embed = Objects.requireNonNull(embed, "embed");
        this.threshold = threshold;
    }

    /**
     * @param embed     the embedding of a prompt, as the cache would ask for it
     * @param threshold the least cosine similarity that counts as a hit
     */
    public static SemanticCacheEvaluation of(Function<String, float[]> embed, double threshold) {
        return new SemanticCacheEvaluation(embed, threshold);
    }

    public Result evaluate(List<LabelledPair> pairs) {
        VectorIndex index = new InMemoryVectorIndex();
        int paraphrases = 0;
        int paraphraseHits = 0;
        int different = 0;
        int falseHits = 0;
        for (int i = 0; i < pairs.size(); i++) {
            LabelledPair pair = pairs.get(i);
            String namespace = "pair-" + i;
            index.add(namespace, "first", embed.apply(pair.first()), TTL);
            boolean hit = index.nearest(namespace, embed.apply(pair.second()), threshold)
                    .isPresent();
            if (pair.paraphrase()) {
                paraphrases++;
                paraphraseHits += hit ? 1 : 0;
            } else {
                different++;
                falseHits += hit ? 1 : 0;
            }
        }
        return new Result(paraphrases, paraphraseHits, different, falseHits);
    }

    /** Two prompts and whether they mean the same. */
    public record LabelledPair(String first, String second, boolean paraphrase) {
        public LabelledPair {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(second, "second");
        }
    }

    /** Counts of pairs and of hits, by label. */
    public record Result(int paraphrases, int paraphraseHits, int different, int falseHits) {
        /** Paraphrases answered from the cache, 0 to 1; NaN without paraphrases. */
        public double hitRate() {
            return (double) paraphraseHits / paraphrases;
        }

        /** Different questions answered from the cache anyway, 0 to 1; NaN without such pairs. */
        public double falseHitRate() {
            return (double) falseHits / different;
        }

        @Override
        public String toString() {
            return "paraphrase hits " + share(paraphraseHits, paraphrases) + ", false hits "
                    + share(falseHits, different);
        }

        private static String share(int part, int whole) {
            return whole == 0 ? part + " of 0" : String.format("%d of %d (%.1f %%)", part, whole, 100.0 * part / whole);
        }
    }
}
