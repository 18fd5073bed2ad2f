package dev.sluice.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of one scripted OpenAI Chat Completions answer, built once per script so a request only writes them.
 *
 * <p>Every chunk is {@code data: {"id":...,"object":"chat.completion.chunk","created":...,"model":...,
 * "system_fingerprint":...,"choices":[...]}\n\n}, as OpenAI documents it. The part up to the model depends on the
 * request ({@link #chunkPrefix}); the rest ({@code "choices":...}) depends only on the script and is precomputed here.
 */
final class OpenAiChatFrames {

    static final byte[] DONE = "data: [DONE]\n\n".getBytes(UTF_8);

    private static final String FINGERPRINT = "fp_sluice_fake";

    private final List<String> pieces;
    private final int promptTokens;
    private final byte[][] chunks;
    private final byte[][] chunksWithNullUsage;
    private final byte[] usageChunk;
    private final byte[] completion;

    private OpenAiChatFrames(List<String> pieces, int promptTokens, int completionTokens, String finishReason) {
        this.pieces = List.copyOf(pieces);
        this.promptTokens = promptTokens;
        List<String> choices = new ArrayList<>();
        choices.add(choice("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null"));
        for (String piece : pieces) {
            choices.add(choice("{\"content\":" + quote(piece) + "}", "null"));
        }
        choices.add(choice("{}", "\"" + finishReason + "\""));
        chunks = new byte[choices.size()][];
        chunksWithNullUsage = new byte[choices.size()][];
        for (int i = 0; i < choices.size(); i++) {
            chunks[i] = ("\"choices\":[" + choices.get(i) + "]}\n\n").getBytes(UTF_8);
            chunksWithNullUsage[i] = ("\"choices\":[" + choices.get(i) + "],\"usage\":null}\n\n").getBytes(UTF_8);
        }
        String usage = usage(promptTokens, completionTokens);
        usageChunk = ("\"choices\":[],\"usage\":" + usage + "}\n\n").getBytes(UTF_8);
        String message = "{\"role\":\"assistant\",\"content\":" + quote(String.join("", pieces))
                + ",\"refusal\":null,\"annotations\":[]}";
        completion = ("\"choices\":[{\"index\":0,\"message\":" + message
                        + ",\"logprobs\":null,\"finish_reason\":\"" + finishReason + "\"}]," + "\"usage\":" + usage
                        + ",\"service_tier\":\"default\"}")
                .getBytes(UTF_8);
    }

    static OpenAiChatFrames of(List<String> pieces, int promptTokens, int completionTokens) {
        return new OpenAiChatFrames(pieces, promptTokens, completionTokens, "stop");
    }

    /**
     * What a real model does with a {@code max_tokens} below its answer: the first {@code maxTokens} pieces (one token
     * each), {@code finish_reason:"length"}, and usage that counts them.
     */
    OpenAiChatFrames limitedTo(int maxTokens) {
        if (maxTokens < 0 || maxTokens >= pieces.size()) {
            return this;
        }
        return new OpenAiChatFrames(pieces.subList(0, maxTokens), promptTokens, maxTokens, "length");
    }

    /**
     * The role chunk, one chunk per content piece and the {@code finish_reason:"stop"} chunk, each without its prefix.
     * With include_usage every one of them carries {@code "usage":null}, as OpenAI sends them.
     */
    byte[][] chunks(boolean includeUsage) {
        return includeUsage ? chunksWithNullUsage : chunks;
    }

    /** The last chunk when include_usage was asked for: no choices, the token counts. */
    byte[] usageChunk() {
        return usageChunk;
    }

    /** A {@code chat.completion} object's fields after {@link #completionPrefix}. */
    byte[] completion() {
        return completion;
    }

    static byte[] chunkPrefix(String id, long created, String model) {
        return prefix("data: ", id, "chat.completion.chunk", created, model);
    }

    static byte[] completionPrefix(String id, long created, String model) {
        return prefix("", id, "chat.completion", created, model);
    }

    /** An OpenAI error body: {@code {"error":{"message":...,"type":...,"param":null,"code":...}}}. */
    static String errorBody(String message, String type, String code) {
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":" + quote(type) + ",\"param\":null,\"code\":"
                + (code == null ? "null" : quote(code)) + "}}";
    }

    private static byte[] prefix(String sse, String id, String object, long created, String model) {
        return (sse + "{\"id\":" + quote(id) + ",\"object\":\"" + object + "\",\"created\":" + created + ",\"model\":"
                        + quote(model) + ",\"system_fingerprint\":\"" + FINGERPRINT + "\",")
                .getBytes(UTF_8);
    }

    private static String choice(String delta, String finishReason) {
        return "{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finishReason + "}";
    }

    private static String usage(int promptTokens, int completionTokens) {
        return "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}";
    }

    private static String quote(String value) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + "\"";
    }
}
