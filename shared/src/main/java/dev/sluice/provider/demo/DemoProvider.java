package dev.sluice.provider.demo;

import dev.sluice.provider.ChatParameters;
import dev.sluice.provider.ChatProvider;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.EmbeddingCall;
import dev.sluice.provider.EmbeddingProvider;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.ProviderCall;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A built-in, deterministic model so the gateway works offline with no provider key. The same prompt always gives
 * the same reply, streamed one word per chunk (optionally paced, so streaming is visible in a terminal), and the
 * usage it reports is exact by its own definition: one completion token per chunk. It also embeds text, as
 * deterministic vectors.
 */
public final class DemoProvider implements ChatProvider, EmbeddingProvider {
    public static final String TYPE = "demo";
    private static final int ECHO_WORDS = 24;
    /** Dimensions of the demo embeddings, unless the request asks for others. */
    static final int DIMENSIONS = 16;

    private final Duration delayPerToken;
    private final Duration firstByteDelay;

    public DemoProvider(Duration delayPerToken) {
        this(delayPerToken, Duration.ZERO);
    }

    /** @param firstByteDelay a pause before each answer begins: a slower model, for trying latency routing locally */
    public DemoProvider(Duration delayPerToken, Duration firstByteDelay) {
        this.delayPerToken = delayPerToken;
        this.firstByteDelay = firstByteDelay;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void streamChat(ProviderCall call, ChatStreamListener listener) {
        List<String> pieces = replyPieces(call.request().lastUserText());
        int requested = ChatParameters.maxTokens(call.request());
        int limit = requested < 0 ? Integer.MAX_VALUE : requested;
        sleep(firstByteDelay);
        listener.onChunk(StreamChunk.start());
        int emitted = 0;
        for (String piece : pieces) {
            if (emitted == limit) {
                break;
            }
            pause();
            listener.onChunk(StreamChunk.of(new StreamDelta.Text(0, piece)));
            emitted++;
        }
        listener.onChunk(StreamChunk.of(new StreamDelta.Finish(0, emitted < pieces.size() ? "length" : "stop")));
        listener.onUsage(TokenUsage.of(TokenEstimator.ofMessages(call.request().messages()), emitted));
    }

    /**
     * Deterministic unit vectors derived from each text's hash: the same text always embeds the same way, so demo
     * clients (and tests) can check round trips; they carry no meaning.
     */
    @Override
    public EmbeddingResult embed(EmbeddingCall call) {
        List<String> texts = call.request().requireTexts(TYPE);
        int dimensions = call.request().dimensions() > 0 ? call.request().dimensions() : DIMENSIONS;
        List<float[]> vectors = new ArrayList<>(texts.size());
        long tokens = 0;
        for (String text : texts) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(text.hashCode());
            float[] vector = new float[dimensions];
            double norm = 0;
            for (int i = 0; i < dimensions; i++) {
                vector[i] = (float) (random.nextDouble() * 2 - 1);
                norm += vector[i] * vector[i];
            }
            for (int i = 0; i < dimensions; i++) {
                vector[i] = (float) (vector[i] / Math.sqrt(norm));
            }
            vectors.add(vector);
            tokens += TokenEstimator.ofText(text);
        }
        return new EmbeddingResult(vectors, TokenUsage.of(tokens, 0));
    }

    /** The reply, split into chunks that each carry one word and the space before it. */
    static List<String> replyPieces(String prompt) {
        StringBuilder reply = new StringBuilder("Hello from the Sluice demo model. This reply is streamed word by"
                + " word through the gateway, and its usage is billed like any other model.");
        String[] words = prompt.strip().split("\\s+");
        if (!prompt.isBlank()) {
            reply.append(" You said:");
            for (int i = 0; i < Math.min(words.length, ECHO_WORDS); i++) {
                reply.append(' ').append(words[i]);
            }
            if (words.length > ECHO_WORDS) {
                reply.append(" …");
            }
        }
        String[] replyWords = reply.toString().split(" ");
        List<String> pieces = new ArrayList<>(replyWords.length);
        for (int i = 0; i < replyWords.length; i++) {
            pieces.add(i == 0 ? replyWords[i] : " " + replyWords[i]);
        }
        return pieces;
    }

    private void pause() {
        sleep(delayPerToken);
    }

    private static void sleep(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
