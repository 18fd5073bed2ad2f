package dev.sluice.inbound.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.EmbeddingRequest;
import dev.sluice.json.Json;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.usage.TokenEstimator;
import dev.sluice.usage.TokenUsage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** OpenAI's {@code /v1/embeddings} response body, whichever provider computed the vectors. */
public final class EmbeddingBodies {
    private EmbeddingBodies() {}

    public static ObjectNode list(EmbeddingRequest request, EmbeddingResult result) {
        TokenUsage usage = usage(request, result);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < result.vectors().size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            float[] vector = result.vectors().get(i);
            if (request.base64()) {
                // OpenAI's base64 encoding: the float32 values, little-endian, back to back.
                ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(vector);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float value : vector) {
                    values.add(value);
                }
            }
        }
        body.put("model", request.model());
        body.putObject("usage").put("prompt_tokens", usage.promptTokens()).put("total_tokens", usage.promptTokens());
        return body;
    }

    /** The provider's count, or the estimate when it reported none. */
    public static TokenUsage usage(EmbeddingRequest request, EmbeddingResult result) {
        return result.usage() != null ? result.usage() : TokenUsage.of(estimateTokens(request), 0);
    }

    /** Input tokens when the provider reports none: token-id inputs are counted exactly, text is estimated. */
    public static long estimateTokens(EmbeddingRequest request) {
        if (request.texts() != null) {
            return request.texts().stream().mapToLong(TokenEstimator::ofText).sum();
        }
        long tokens = 0;
        for (JsonNode item : request.body().path("input")) {
            tokens += item.isArray() ? item.size() : 1;
        }
        return tokens;
    }
}
