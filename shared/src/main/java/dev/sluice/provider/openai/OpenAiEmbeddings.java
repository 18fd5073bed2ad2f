package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.EmbeddingResult;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.usage.TokenUsage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** OpenAI's {@code /embeddings} answer ({@code data[].embedding} by {@code index}, {@code usage}) to vectors. */
final class OpenAiEmbeddings {
    private OpenAiEmbeddings() {}

    static EmbeddingResult toResult(JsonNode response, int expected, String provider) {
        float[][] vectors = new float[expected][];
        for (JsonNode item : response.path("data")) {
            int index = item.path("index").asInt(-1);
            if (index < 0 || index >= expected) {
                throw malformed(provider);
            }
            vectors[index] = vector(item.path("embedding"));
        }
        List<float[]> ordered = new ArrayList<>(expected);
        for (float[] vector : vectors) {
            if (vector == null) {
                throw malformed(provider);
            }
            ordered.add(vector);
        }
        JsonNode usage = response.path("usage");
        TokenUsage tokens = usage.path("prompt_tokens").isNumber()
                ? TokenUsage.of(usage.get("prompt_tokens").asLong(), 0)
                : null;
        return new EmbeddingResult(ordered, tokens);
    }

    private static float[] vector(JsonNode embedding) {
        if (embedding.isTextual()) { // base64 of little-endian float32, if a server ignores encoding_format
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] vector = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(vector);
            return vector;
        }
        float[] vector = new float[embedding.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) embedding.get(i).asDouble();
        }
        return vector;
    }

    private static GatewayException malformed(String provider) {
        return UpstreamErrors.malformedResponse(provider, "malformed embeddings response");
    }
}
