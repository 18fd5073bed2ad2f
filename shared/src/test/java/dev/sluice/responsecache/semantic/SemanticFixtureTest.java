package dev.sluice.responsecache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.responsecache.semantic.SemanticCacheEvaluation.LabelledPair;
import dev.sluice.responsecache.semantic.SemanticCacheEvaluation.Result;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The paraphrase fixture through the demo embeddings at the default threshold. The demo vectors come from each text's
 * hash and carry no meaning, so these figures describe the plumbing, not semantic quality: identical prompts hit,
 * every other pair misses, paraphrases included. A real embedding model is evaluated the same way, with its own
 * {@code embed} function in place of the demo's.
 */
class SemanticFixtureTest {
    private static final double DEFAULT_THRESHOLD = 0.95;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DemoProvider DEMO = new DemoProvider(Duration.ZERO);
    private static final Deployment DEMO_EMBEDDINGS =
            new Deployment(DemoProvider.TYPE, "demo-embed", null, null, Pricing.FREE, Duration.ofSeconds(5));

    private final SemanticCacheEvaluation evaluation =
            SemanticCacheEvaluation.of(SemanticFixtureTest::demoEmbedding, DEFAULT_THRESHOLD);

    @Test
    void fixture_isLabelledAndBalanced() throws IOException {
        List<LabelledPair> pairs = fixture();

        assertThat(pairs).hasSizeGreaterThanOrEqualTo(40);
        long paraphrases = pairs.stream().filter(LabelledPair::paraphrase).count();
        assertThat(paraphrases).isBetween(pairs.size() * 2L / 5, pairs.size() * 3L / 5);
        assertThat(pairs).allSatisfy(pair -> assertThat(pair.first()).isNotEqualTo(pair.second()));
    }

    @Test
    void demoEmbeddings_atTheDefaultThreshold_neverServeADifferentQuestion_andMissEveryReworded() throws IOException {
        Result result = evaluation.evaluate(fixture());
        System.out.println("Semantic fixture, demo embeddings, threshold " + DEFAULT_THRESHOLD + ": " + result);

        assertThat(result.falseHits()).isZero();
        // Hash-based vectors put reworded prompts at unrelated angles: no paraphrase can reach 0.95.
        assertThat(result.paraphraseHits()).isZero();
    }

    @Test
    void demoEmbeddings_identicalPrompts_alwaysHit() throws IOException {
        List<LabelledPair> identical = new ArrayList<>();
        for (LabelledPair pair : fixture()) {
            identical.add(new LabelledPair(pair.first(), pair.first(), true));
            identical.add(new LabelledPair(pair.second(), pair.second(), true));
        }

        Result result = evaluation.evaluate(identical);
        System.out.println("Semantic fixture, demo embeddings, identical prompts: " + result);

        assertThat(result.paraphraseHits()).isEqualTo(identical.size());
    }

    @Test
    void evaluation_countsHitsAndFalseHitsByLabel() {
        // A stand-in embedding that looks only at the first word, so the expected outcome of each pair is plain.
        SemanticCacheEvaluation firstWord = SemanticCacheEvaluation.of(
                text -> text.startsWith("How") ? new float[] {1, 0} : new float[] {0, 1}, DEFAULT_THRESHOLD);

        Result result = firstWord.evaluate(List.of(
                new LabelledPair("How now", "How so", true),
                new LabelledPair("How now", "Why so", true),
                new LabelledPair("How now", "How come", false),
                new LabelledPair("Why now", "How come", false)));

        assertThat(result).isEqualTo(new Result(2, 1, 2, 1));
        assertThat(result.hitRate()).isEqualTo(0.5);
        assertThat(result.falseHitRate()).isEqualTo(0.5);
    }

    private static float[] demoEmbedding(String text) {
        ObjectNode body = JSON.createObjectNode().put("model", "demo-embed").put("input", text);
        EmbeddingRequest request = EmbeddingRequest.parse(body.toString().getBytes(StandardCharsets.UTF_8));
        return DEMO.embed(new EmbeddingCall("req_fixture", request, DEMO_EMBEDDINGS, null))
                .vectors()
                .get(0);
    }

    private static List<LabelledPair> fixture() throws IOException {
        try (InputStream in = SemanticFixtureTest.class.getResourceAsStream("/semantic-cache/paraphrases.json")) {
            List<LabelledPair> pairs = new ArrayList<>();
            for (JsonNode pair : JSON.readTree(in).get("pairs")) {
                String label = pair.get("label").asText();
                assertThat(label).isIn("paraphrase", "different");
                pairs.add(new LabelledPair(
                        pair.get("first").asText(), pair.get("second").asText(), label.equals("paraphrase")));
            }
            return pairs;
        }
    }
}
