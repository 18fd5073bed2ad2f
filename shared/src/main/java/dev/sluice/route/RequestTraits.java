package dev.sluice.route;

import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What routing rules and strategies may look at in a request. The prompt's token estimate is computed only when a
 * rule or the {@code cost} strategy asks for it (a tokenizer pass over the prompt), and then once.
 *
 * @param tags   what the caller sent in {@code x-sluice-tags: a,b}
 * @param tenant the caller's tenant id
 */
public final class RequestTraits {
    private final LongSupplier promptTokenEstimate;
    private final boolean images;
    private final boolean tools;
    private final boolean jsonMode;
    private final Set<String> tags;
    private final String tenant;
    private long promptTokens = -1;

    public RequestTraits(
            LongSupplier promptTokenEstimate,
            boolean images,
            boolean tools,
            boolean jsonMode,
            Set<String> tags,
            String tenant) {
        this.promptTokenEstimate = promptTokenEstimate;
        this.images = images;
        this.tools = tools;
        this.jsonMode = jsonMode;
        this.tags = tags == null ? Set.of() : Set.copyOf(tags);
        this.tenant = tenant;
    }

    /** A request with nothing but a prompt of {@code promptTokens} (embeddings, tests). */
    public static RequestTraits ofPrompt(long promptTokens, String tenant) {
        return new RequestTraits(() -> promptTokens, false, false, false, Set.of(), tenant);
    }

    /** The prompt's estimated tokens: messages and tool definitions, by the o200k tokenizer. */
    public long promptTokens() {
        if (promptTokens < 0) {
            promptTokens = promptTokenEstimate.getAsLong();
        }
        return promptTokens;
    }

    public boolean images() {
        return images;
    }

    public boolean tools() {
        return tools;
    }

    public boolean jsonMode() {
        return jsonMode;
    }

    public Set<String> tags() {
        return tags;
    }

    public String tenant() {
        return tenant;
    }
}
