package dev.sluice.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.MessageText;

/**
 * A token count for when a provider reports none, with OpenAI's {@code o200k_base} BPE tokenizer (GPT-4o's) plus
 * OpenAI's per-message overhead. For other providers' models it is an approximation of the same order, which is why
 * events built from it are marked {@code estimated}. The tokenizer's vocabulary (a few MB) loads on first use.
 */
public final class TokenEstimator {
    private static final int PER_MESSAGE_OVERHEAD = 3;
    /** What an image costs at OpenAI's "low" detail; a floor, since the real cost depends on its size. */
    private static final int PER_IMAGE = 85;

    private TokenEstimator() {}

    /** Loaded once, on first use: most requests carry the provider's own count and never need it. */
    private static final class Tokenizer {
        static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    /**
     * Starts loading the tokenizer in the background (about a second of CPU on a small instance), so the first request
     * that needs an estimate does not wait for it; a caller that needs it earlier waits for the load to finish.
     */
    public static void warmUpInBackground() {
        Thread.ofVirtual().name("tokenizer-warm-up").start(() -> ofText("warm up"));
    }

    public static long ofText(CharSequence text) {
        return text.isEmpty() ? 0 : Tokenizer.O200K.countTokensOrdinary(text.toString());
    }

    /** About four characters per token: for output too long to keep for counting. */
    public static long ofChars(long chars) {
        return chars <= 0 ? 0 : (chars + 3) / 4;
    }

    public static long ofMessages(JsonNode messages) {
        long tokens = 3; // every reply is primed with <|start|>assistant<|message|>
        for (JsonNode message : messages) {
            tokens += PER_MESSAGE_OVERHEAD + ofText(MessageText.of(message.get("content")));
            for (JsonNode part : message.path("content")) {
                if ("image_url".equals(part.path("type").asText())) {
                    tokens += PER_IMAGE;
                }
            }
            for (JsonNode call : message.path("tool_calls")) {
                tokens += ofText(call.path("function").path("name").asText())
                        + ofText(call.path("function").path("arguments").asText());
            }
        }
        return tokens;
    }

    /** The prompt of a chat request: its messages and the tool definitions sent with them. */
    public static long ofChatRequest(ChatRequest request) {
        long tokens = ofMessages(request.messages());
        JsonNode tools = request.body().get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            tokens += ofText(tools.toString());
        }
        return tokens;
    }
}
