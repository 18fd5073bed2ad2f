package dev.sluice.quota;

import dev.sluice.api.ChatRequest;
import dev.sluice.provider.ChatParameters;

/**
 * An upper bound of a request's prompt tokens that costs no tokenizer run: the request body's size in bytes. Every
 * tokenizer the providers use (byte-level BPE for OpenAI-style models; SentencePiece with byte fallback) spends at
 * least one byte of text per token, and the JSON around the text (quotes, keys, the chat template's place) is more
 * than the few tokens per message a chat template adds. Images are not text: each costs at most {@link #PER_IMAGE}
 * tokens at the providers' largest sizes (a base64 image is already counted, generously, by its bytes).
 *
 * <p>The residual: an image URL whose image costs more than {@link #PER_IMAGE}, or audio input, can make the real
 * prompt exceed the bound; a budget can then be overspent by that excess on requests in flight, never more.
 */
public final class PromptBound {
    /** GPT-4o's high-detail cost at its largest size (2048 × 768: 85 + 170 × 16 tiles), rounded up. */
    public static final long PER_IMAGE = 3_000;

    private PromptBound() {}

    public static long ofChat(int bodyBytes, ChatRequest request) {
        return bodyBytes + ChatParameters.imageCount(request) * PER_IMAGE;
    }

    public static long ofEmbeddings(int bodyBytes) {
        return bodyBytes;
    }
}
